package io.profileexport.engine;

/**
 * Columns the pipeline carries beside a record's data. Their prefix keeps them apart from union schema fields; the
 * planner refuses a lake whose data has a field with that prefix.
 */
public final class SystemColumns {
  public static final String PREFIX = "__pe_";

  /** The record's dataset id. */
  /**
   * A record's data file and its index in it ({@code _metadata.file_path}, {@code _metadata.row_index}), when read
   * with positions (lake batches only; null for external datasets): how the two reads of the records of a
   * {@code pdg} export tell one record apart.
   */
  public static final String FILE = PREFIX + "file";
  public static final String ROW_INDEX = PREFIX + "rowIndex";
  public static final String DATASET = PREFIX + "dataset";
  /** The record's batch id; null for an external dataset. */
  public static final String BATCH = PREFIX + "batch";
  /** The record's ingest time, epoch ms (SPEC 1). */
  public static final String INGEST_TIME = PREFIX + "ingest";
  /** The record's non-blocked identities: array of {nsKey (lower-case namespace), id}. */
  public static final String IDENTITIES = PREFIX + "identities";
  /** The ids of the record's identities (their hashes, see IdentityIds), sorted, distinct. */
  public static final String IDS = PREFIX + "ids";
  /** The record's primary identity {nsKey, id}, null when skipped. */
  public static final String PRIMARY = PREFIX + "primary";
  /** The namespace of the primary identity as the record spells it. */
  public static final String PRIMARY_NS = PREFIX + "primaryNs";
  /** Why the record takes no part: noPrimaryIdentity or multiplePrimaryIdentities; null when it does. */
  public static final String SKIP_REASON = PREFIX + "skip";
  /** The profile a record or event belongs to. */
  public static final String PROFILE = PREFIX + "profile";
  /** First ranking key: a time, newest first (SPEC 3.4). */
  public static final String RANK_TIME = PREFIX + "rankTime";
  /** The dataset's position in a dataSetPrecedence order, first wins; 0 under timestampOrdered. */
  public static final String RANK_DATASET = PREFIX + "rankDataset";
  /**
   * A record's {@code _id} as the text the ranking compares (SPEC 3.4), carried to the merge only when the union's
   * {@code _id} is not a text already.
   */
  public static final String RANK_ID = PREFIX + "rankId";
  /** The 64-bit hash of {@link #PROFILE}, by which the merge's input is sorted. */
  public static final String PROFILE_HASH = PREFIX + "profileHash";
  /** A merged profile's update time, epoch ms (SPEC 3.6). */
  public static final String UPDATE_TIME = PREFIX + "updateTime";

  private SystemColumns() {}

  public static boolean isSystem(String name) {
    return name.startsWith(PREFIX);
  }
}
