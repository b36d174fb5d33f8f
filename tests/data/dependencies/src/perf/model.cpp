// Fixture: perf may not use plan (plan -> perf is the arrow).
#include "plan/planner.h"
