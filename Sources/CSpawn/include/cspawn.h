#ifndef FERRY_CSPAWN_H
#define FERRY_CSPAWN_H
#include <spawn.h>

/// Closes every descriptor from `from` up in the spawned child (glibc's
/// posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc module does not expose).
int ferry_spawn_file_actions_closefrom(posix_spawn_file_actions_t *actions, int from);

#include <sys/types.h>
/// glibc's copy_file_range (kernel-side copy from a file at *in_offset to the end of another),
/// which Swift's Glibc module does not expose either; *in_offset advances by what was copied.
ssize_t ferry_copy_file_range(int in, long long *in_offset, int out, size_t length);
#endif
