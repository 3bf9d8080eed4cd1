package io.profileexport.engine.merge;

/** {@link ProfileMergeTest} with adaptive query execution off: the results must not change. */
class ProfileMergeWithoutAdaptiveTest extends ProfileMergeTest {
  @Override
  boolean adaptive() {
    return false;
  }
}
