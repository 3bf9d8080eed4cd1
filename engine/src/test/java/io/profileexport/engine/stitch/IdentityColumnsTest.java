package io.profileexport.engine.stitch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.profileexport.engine.settings.LakeSettings;
import java.util.List;
import java.util.Set;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/** The allocation-free blocked check of the identity pass agrees with the reference rule on every kind of text. */
class IdentityColumnsTest {
  private static final Set<String> BLOCKED = LakeSettings.defaults().blockedIdentityValues();

  @Test
  void blockedTextIsDecidedAsTheReferenceRuleDecidesIt() {
    Set<String> blocked = new java.util.LinkedHashSet<>(BLOCKED);
    blocked.add("i\u0307d");  // a blocked value that is not ASCII
    IdentityColumns.RowIdentities fast = new IdentityColumns.RowIdentities(Set.copyOf(blocked));
    List<String> values = List.of("anonymous", " ANONYMOUS\t", "\n null ", "Null", "undefined ", "0", " 0 ", "00",
        "", "   ", "anonymous1", "anonymou", "user@example.com", "ANONYMOUS\u00a0", "\u0130D", "i\u0307d", "ID",
        "caf\u00e9", "\u0000null\u0000");
    for (String value : values) {
      assertEquals(IdentityColumns.isBlocked(value, blocked), fast.isBlocked(UTF8String.fromString(value)),
          () -> "blocked check of '" + value + "'");
    }
    assertEquals(true, fast.isBlocked(null));
    assertEquals(IdentityColumns.isBlocked(0, blocked), fast.isBlocked(0));
  }

  @Test
  void namespacesAreLowerCasedOnceAndAsJavaDoes() {
    IdentityColumns.RowIdentities fast = new IdentityColumns.RowIdentities(BLOCKED);
    for (String ns : List.of("ECID", "Email", "email", "\u0130dentity", "CRMID")) {
      assertEquals(ns.toLowerCase(java.util.Locale.ROOT), fast.lowerCased(UTF8String.fromString(ns)).toString());
    }
  }

  @Test
  void aRowsIdentitiesAreDistinctInFirstSeenOrderAndPrimaryIfAnyOccurrenceIs() {
    IdentityColumns.RowIdentities seen = new IdentityColumns.RowIdentities(BLOCKED);
    for (int round = 0; round < 2; round++) {  // reused from row to row
      seen.clear();
      for (int i = 0; i < 10; i++) {
        seen.add(UTF8String.fromString("ns" + (i % 5)), UTF8String.fromString("v"), UTF8String.fromString("NS"),
            i == 7);
      }
      assertEquals(5, seen.size());
      for (int n = 0; n < 5; n++) {
        assertEquals(n == 2, seen.isPrimary(n), "identity " + n);  // ns2 was marked on its second occurrence
      }
    }
  }
}
