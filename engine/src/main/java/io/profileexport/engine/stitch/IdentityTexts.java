package io.profileexport.engine.stitch;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * How identity texts are read row after row, by the identity passes and by the merge alike: a namespace's key
 * (lower-cased as Java does in {@link Locale#ROOT}), computed once per spelling, and whether an id is a blocked value
 * ({@link IdentityColumns#isBlocked}), decided from the bytes without allocating for ASCII text. One per task or
 * thread: it caches, unsynchronized.
 */
public final class IdentityTexts {
  private static final int MAX_CACHED_NAMESPACES = 1024;
  private final Set<String> blocked;
  private final Map<UTF8String, UTF8String> lowered = new HashMap<>();
  private Set<UTF8String> blockedText;
  private boolean[] blockedLengths;

  /** @param blocked identity values (trimmed, lower-cased) that are never identities */
  public IdentityTexts(Set<String> blocked) {
    this.blocked = blocked;
  }

  /** A namespace's key: its spelling lower-cased as Java does in {@link Locale#ROOT}. */
  public UTF8String namespaceKey(UTF8String spelling) {
    UTF8String key = lowered.get(spelling);
    if (key == null) {
      if (lowered.size() >= MAX_CACHED_NAMESPACES) {
        lowered.clear();
      }
      key = UTF8String.fromString(spelling.toString().toLowerCase(Locale.ROOT));
      lowered.put(spelling.clone(), key);  // the spelling may point into a buffer the reader reuses
    }
    return key;
  }

  /** Whether {@code id} (an internal value, or null) is no identity: null, or a blocked value. */
  public boolean isBlocked(Object id) {
    if (id == null) {
      return true;
    }
    if (blocked.isEmpty()) {
      return false;
    }
    if (id instanceof UTF8String text) {
      Boolean ascii = blockedAscii(text);
      if (ascii != null) {
        return ascii;
      }
    }
    return IdentityColumns.isBlocked(id, blocked);
  }

  /**
   * Whether the text's {@code n} bytes are all ASCII; eight at a time where the platform reads unaligned longs (the
   * check of every identity's id was 3% of the graph pass byte by byte).
   */
  private static boolean isAscii(UTF8String text, int n) {
    Object base = text.getBaseObject();
    long offset = text.getBaseOffset();
    int i = 0;
    if (Platform.unaligned()) {
      for (; i + 8 <= n; i += 8) {
        if ((Platform.getLong(base, offset + i) & 0x8080808080808080L) != 0) {
          return false;
        }
      }
    }
    for (; i < n; i++) {
      if (Platform.getByte(base, offset + i) < 0) {
        return false;
      }
    }
    return true;
  }

  private static byte byteAt(UTF8String text, int i) {
    return Platform.getByte(text.getBaseObject(), text.getBaseOffset() + i);
  }

  /**
   * As {@link IdentityColumns#isBlocked} (Java's {@code trim().toLowerCase(Locale.ROOT)}) for text that is all
   * ASCII, where the bytes alone decide it, mostly without allocating: a value whose trimmed length is no blocked
   * value's length is not blocked. Null for any other text.
   */
  private Boolean blockedAscii(UTF8String text) {
    if (blockedText == null) {
      blockedText = new HashSet<>();
      int longest = 0;
      for (String b : blocked) {
        UTF8String t = UTF8String.fromString(b);
        blockedText.add(t);
        longest = Math.max(longest, t.numBytes());
      }
      blockedLengths = new boolean[longest + 1];
      blockedText.forEach(t -> blockedLengths[t.numBytes()] = true);
    }
    int n = text.numBytes();
    if (!isAscii(text, n)) {
      return null;
    }
    int from = 0;
    int to = n;
    while (from < to && byteAt(text, from) <= ' ') {
      from++;
    }
    while (to > from && byteAt(text, to - 1) <= ' ') {
      to--;
    }
    if (to - from >= blockedLengths.length || !blockedLengths[to - from]) {
      return false;
    }
    byte[] out = new byte[to - from];
    for (int i = from; i < to; i++) {
      byte b = byteAt(text, i);
      out[i - from] = b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
    }
    return blockedText.contains(UTF8String.fromBytes(out));
  }
}
