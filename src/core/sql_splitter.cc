// Implementation in progress (see sql_splitter.h for the contract).
#include "core/sql_splitter.h"
