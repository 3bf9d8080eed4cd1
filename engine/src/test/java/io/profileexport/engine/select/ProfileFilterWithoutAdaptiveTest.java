package io.profileexport.engine.select;

/** {@link ProfileFilterTest} with adaptive query execution off. */
class ProfileFilterWithoutAdaptiveTest extends ProfileFilterTest {
  @Override
  boolean adaptive() {
    return false;
  }
}
