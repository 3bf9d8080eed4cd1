package io.profileexport.engine.stitch;

/** {@link IdentityGraphTest} with adaptive query execution off: the components must not change. */
class IdentityGraphWithoutAdaptiveTest extends IdentityGraphTest {
  @Override
  boolean adaptive() {
    return false;
  }
}
