// Fixture: a folder with no row in the table.
#include "common/result.h"
