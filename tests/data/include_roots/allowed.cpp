// Fixture for `ctest -R lint.include_roots`, built by a target that links llmctl_perf alone: the
// headers of perf and of what perf links PUBLIC (catalog, common) are on its include path. This
// one must compile, so that the two failing fixtures fail for the reason they name.
#include "catalog/catalog.h"
#include "common/result.h"
#include "perf/model.h"

int include_roots_allowed_fixture() { return 0; }
