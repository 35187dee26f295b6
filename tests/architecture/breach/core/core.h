// A layer including a module.
#include "alpha/alpha.h"
