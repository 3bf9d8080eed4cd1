package io.profileexport.engine.stitch;

/** {@link IdentityGraphTest} on the one-task path: the whole graph in one union-find pass. */
class IdentityGraphInOneTaskTest extends IdentityGraphTest {
  @Override
  long identitiesPerTask() {
    return 0;
  }
}
