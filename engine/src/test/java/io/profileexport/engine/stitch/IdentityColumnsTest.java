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
    IdentityTexts fast = new IdentityTexts(Set.copyOf(blocked));
    List<String> values = List.of("anonymous", " ANONYMOUS\t", "\n null ", "Null", "undefined ", "0", " 0 ", "00",
        "", "   ", "anonymous1", "anonymou", "user@example.com", "ANONYMOUS\u00a0", "\u0130D", "i\u0307d", "ID",
        "caf\u00e9", "\u0000null\u0000", "\u00e9anonymous", "anonymou\u00e9", "anonymous-visitor-0000001@example.com",
        "        anonymous        ", "                null\u00e9");
    for (String value : values) {
      assertEquals(IdentityColumns.isBlocked(value, blocked), fast.isBlocked(UTF8String.fromString(value)),
          () -> "blocked check of '" + value + "'");
    }
    assertEquals(true, fast.isBlocked(null));
    assertEquals(IdentityColumns.isBlocked(0, blocked), fast.isBlocked(0));
  }

  @Test
  void namespacesAreLowerCasedOnceAndAsJavaDoes() {
    IdentityTexts fast = new IdentityTexts(BLOCKED);
    for (String ns : List.of("ECID", "Email", "email", "\u0130dentity", "CRMID")) {
      assertEquals(ns.toLowerCase(java.util.Locale.ROOT), fast.namespaceKey(UTF8String.fromString(ns)).toString());
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

  /** A row filter keeps the taking-part rows it accepts by their smallest id; every row read is still counted. */
  @Test
  void aRowFilterKeepsTheRowsItAcceptsAndCountsThemAll() {
    org.apache.spark.sql.types.StructType schema = org.apache.spark.sql.types.StructType.fromDDL(
        "_id STRING, identityMap MAP<STRING, ARRAY<STRUCT<id: STRING, primary: BOOLEAN>>>");
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows = io.profileexport.engine.testing.Frames.of(schema,
        "{'_id':'kept','identityMap':{'ECID':[{'id':'a','primary':true}],'Email':[{'id':'z@x'}]}}",
        "{'_id':'other','identityMap':{'ECID':[{'id':'b','primary':true}]}}",
        "{'_id':'no-primary','identityMap':{'ECID':[{'id':'a'}],'Email':[{'id':'y@x'}]}}",
        "{'_id':'no-identities'}");
    long a = IdentityIds.XXHASH.of(UTF8String.fromString("ecid"), UTF8String.fromString("a"));
    long z = IdentityIds.XXHASH.of(UTF8String.fromString("email"), UTF8String.fromString("z@x"));
    long smallest = Math.min(a, z);
    IdentityColumns.Counters counters = IdentityColumns.Counters.register(
        io.profileexport.engine.testing.SharedSpark.session().sparkContext(), "filter-test");
    List<org.apache.spark.sql.Row> kept = IdentityColumns.add(rows, Set.of(), counters, IdentityIds.XXHASH,
        id -> id == smallest).select("_id").collectAsList();
    assertEquals(List.of("kept"), kept.stream().map(r -> r.getString(0)).toList());
    assertEquals(4, counters.read().value());
    assertEquals(2, counters.noPrimary().value());
  }
}
