package io.profileexport.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.profileexport.engine.error.ProfileExportException;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class UnionSchemaTest {
  private static StructType schema(String ddl) {
    return StructType.fromDDL(ddl);
  }

  private static StructType union(String... ddls) {
    List<UnionSchema.Source> sources = new java.util.ArrayList<>();
    for (int i = 0; i < ddls.length; i++) {
      sources.add(new UnionSchema.Source("ds" + (i + 1), schema(ddls[i])));
    }
    return UnionSchema.union(sources);
  }

  @Test
  void fieldsKeepTheOrderOfFirstAppearanceAndMergeRecursively() {
    StructType u = union("b INT, person STRUCT<name: STRUCT<first: STRING>>",
        "a STRING, person STRUCT<age: INT, name: STRUCT<last: STRING>>, b INT");
    assertEquals(schema("b INT, person STRUCT<name: STRUCT<first: STRING, last: STRING>, age: INT>, a STRING"), u);
  }

  @Test
  void numericWideningsOfTheSpec() {
    assertEquals(schema("x BIGINT"), union("x INT", "x BIGINT"), "int to long");
    assertEquals(schema("x DOUBLE"), union("x FLOAT", "x DOUBLE"), "float to double");
    assertEquals(schema("x DOUBLE"), union("x INT", "x DOUBLE"), "int to double");
    assertEquals(schema("x DOUBLE"), union("x DOUBLE", "x BIGINT"), "long to double");
    assertEquals(schema("x ARRAY<BIGINT>"), union("x ARRAY<INT>", "x ARRAY<BIGINT>"), "inside arrays");
    assertEquals(schema("m MAP<STRING, STRUCT<v: BIGINT, w: STRING>>"),
        union("m MAP<STRING, STRUCT<v: INT>>", "m MAP<STRING, STRUCT<v: BIGINT, w: STRING>>"), "inside map values");
  }

  @Test
  void dataTimestampPathsBecomeTimestampsWhenSourcesDisagree() {
    StructType u = union(
        "timestamp STRING, extSourceSystemAudit STRUCT<lastUpdatedDate: BIGINT>,"
            + " segmentMembership MAP<STRING, MAP<STRING, STRUCT<status: STRING, lastQualificationTime: STRING>>>",
        "timestamp TIMESTAMP, extSourceSystemAudit STRUCT<lastUpdatedDate: STRING>,"
            + " segmentMembership MAP<STRING, MAP<STRING, STRUCT<status: STRING, lastQualificationTime: BIGINT>>>");
    assertEquals(DataTypes.TimestampType, u.apply("timestamp").dataType());
    assertEquals(schema("lastUpdatedDate TIMESTAMP"), u.apply("extSourceSystemAudit").dataType());
    DataType membership = ((org.apache.spark.sql.types.MapType) ((org.apache.spark.sql.types.MapType)
        u.apply("segmentMembership").dataType()).valueType()).valueType();
    assertEquals(schema("status STRING, lastQualificationTime TIMESTAMP"), membership);
    assertEquals(schema("timestamp STRING"), union("timestamp STRING", "timestamp STRING"),
        "agreeing sources keep their type");
  }

  @Test
  void otherDisagreementsNameBothSourcesAndThePath() {
    ProfileExportException e = assertThrows(ProfileExportException.class,
        () -> union("person STRUCT<age: BIGINT>", "x INT", "person STRUCT<age: STRING>"));
    assertEquals(1, e.problems().size());
    assertEquals("person.age", e.problems().get(0).path());
    assertTrue(e.getMessage().contains("ds1 has bigint") && e.getMessage().contains("ds3 has string"),
        e.getMessage());
    ProfileExportException notATimestampPath = assertThrows(ProfileExportException.class,
        () -> union("when STRING", "when TIMESTAMP"));
    assertEquals("when", notATimestampPath.problems().get(0).path());
    ProfileExportException structVsArray = assertThrows(ProfileExportException.class,
        () -> union("identities ARRAY<STRUCT<id: STRING>>", "identities STRUCT<id: STRING>"));
    assertTrue(structVsArray.getMessage().contains("identities"), structVsArray.getMessage());
  }

  @Test
  void fieldNamesAreCaseSensitive() {
    assertEquals(schema("`Name` STRING, name BIGINT"), union("Name STRING", "name BIGINT"));
  }
}
