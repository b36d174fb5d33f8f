// Fixture for `ctest -R lint.include_roots`, built by a target that links llmctl_perf alone: plan
// is not among what it links (the arrow is plan -> perf), so this must not compile.
#include "plan/planner.h"

int include_roots_forbidden_fixture() { return 0; }
