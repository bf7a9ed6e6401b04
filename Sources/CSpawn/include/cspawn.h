#ifndef FERRY_CSPAWN_H
#define FERRY_CSPAWN_H
#include <spawn.h>

/// Closes every descriptor from `from` up in the spawned child (glibc's
/// posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc module does not expose).
int ferry_spawn_file_actions_closefrom(posix_spawn_file_actions_t *actions, int from);
#endif
