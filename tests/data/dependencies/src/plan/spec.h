// Fixture: an allowed arrow (plan -> perf).
#include "perf/model.h"
