package io.profileexport.engine.model;

import java.util.Arrays;
import java.util.Optional;

/** The XDM classes a dataset's {@code schemaRef.id} may name (SPEC 1, "Classes"). */
public enum DatasetClass {
  PROFILE("https://ns.adobe.com/xdm/context/profile"),
  EXPERIENCE_EVENT("https://ns.adobe.com/xdm/context/experienceevent"),
  PROFILE_UNION("https://ns.adobe.com/xdm/context/profile__union");

  private final String schemaId;

  DatasetClass(String schemaId) {
    this.schemaId = schemaId;
  }

  public String schemaId() {
    return schemaId;
  }

  public static Optional<DatasetClass> ofSchemaId(String id) {
    return Arrays.stream(values()).filter(c -> c.schemaId.equals(id)).findFirst();
  }

  /** Only profile records and events feed exports; destinations are never read back. */
  public boolean isInput() {
    return this != PROFILE_UNION;
  }
}
