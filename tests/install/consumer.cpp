// The same program compiled as C++ (the header must work in both).
#include "consumer.c"
