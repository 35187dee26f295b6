// A module reaching into another module's internals.
#include "beta/internal.h"
