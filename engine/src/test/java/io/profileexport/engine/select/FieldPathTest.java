package io.profileexport.engine.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class FieldPathTest {
  private static List<List<String>> segments(String fields) {
    FieldPath.Parsed parsed = FieldPath.parseList(fields);
    assertEquals(List.of(), parsed.problems(), "problems of " + fields);
    return parsed.paths().stream().map(FieldPath::segments).toList();
  }

  @Test
  void pathsAreCommaSeparatedAndTrimmedWithBacktickedSegments() {
    assertEquals(List.of(List.of("identities", "id"), List.of("personalEmail", "address")),
        segments("identities.id, personalEmail.address "));
    assertEquals(List.of(List.of("identityMap", "my.ns", "id")), segments("identityMap.`my.ns`.id"));
    assertEquals(List.of(List.of("a", "b`c")), segments("a.`b``c`"));
    assertEquals(List.of(List.of("m", "x,y")), segments("m.`x,y`"));
    assertEquals(List.of(), segments(""));
  }

  @Test
  void malformedPathsAreReported() {
    for (String bad : List.of("a..b", "a.", ".a", "a,,b", "a.`b", "a.b`c`", "a.`b`c", "a,")) {
      FieldPath.Parsed parsed = FieldPath.parseList(bad);
      assertEquals(1, parsed.problems().size(), bad + " -> " + parsed.problems());
    }
  }

  @Test
  void pathsResolveThroughStructsArraysAndMapKeysWithSuggestionsForUnknownOnes() {
    StructType schema = StructType.fromDDL("identities ARRAY<STRUCT<id: STRING, namespace: STRUCT<code: STRING>>>,"
        + " person STRUCT<name: STRUCT<firstName: STRING, lastName: STRING>>,"
        + " identityMap MAP<STRING, ARRAY<STRUCT<id: STRING, primary: BOOLEAN>>>,"
        + " attrs MAP<STRING, STRING>, personalEmail STRUCT<address: STRING>");
    FieldSelection.Resolution ok = FieldSelection.resolve(FieldPath.parseList(
        "identities.id, person, person.name.firstName, identityMap.ECID.id, identityMap.ecid, attrs.K").paths(),
        schema);
    assertEquals(List.of(), ok.unresolved());
    FieldSelection root = ok.selection();
    assertTrue(root.children().get("person").isWhole(), "an object path keeps its subtree, a deeper one adds nothing");
    assertEquals(List.of("id"), List.copyOf(root.children().get("identities").children().keySet()));
    assertTrue(root.children().get("identityMap").children().get("ecid").isWhole(),
        "namespace keys are case-insensitive: ECID.id and ecid merge into the whole ecid");
    assertTrue(root.children().get("attrs").children().containsKey("K"), "other map keys keep their case");

    FieldSelection.Resolution bad = FieldSelection.resolve(FieldPath.parseList(
        "personalEmail.adress, identities.id.x, Person").paths(), schema);
    assertEquals(3, bad.unresolved().size());
    assertEquals("personalEmail.address", bad.unresolved().get(0).suggestions().get(0));
    assertTrue(bad.unresolved().get(1).message().contains("has no members"), bad.unresolved().get(1).message());
    assertEquals("person", bad.unresolved().get(2).suggestions().get(0), "names are case-sensitive, but suggested");
    assertTrue(bad.unresolved().get(2).suggestions().size() <= 3);
  }
}
