#ifndef FERRY_CISAL_SHIM_H
#define FERRY_CISAL_SHIM_H
#include <isa-l/igzip_lib.h>
#include <isa-l.h>

// The level buffer sizes and the version are macros with arithmetic, which Swift cannot import.
static inline unsigned int ferry_isal_level_buffer_size(int level) {
    switch (level) {
    case 0: return ISAL_DEF_LVL0_DEFAULT;
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    default: return ISAL_DEF_LVL3_DEFAULT;
    }
}
static inline unsigned int ferry_isal_version(void) { return ISAL_VERSION; }
#endif
