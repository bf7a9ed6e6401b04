#define _GNU_SOURCE
#include <spawn.h>
#include "cspawn.h"

int ferry_spawn_file_actions_closefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

#include <unistd.h>

ssize_t ferry_copy_file_range(int in, long long *in_offset, int out, size_t length) {
    off_t offset = (off_t)*in_offset;
    ssize_t copied = copy_file_range(in, &offset, out, NULL, length, 0);
    *in_offset = (long long)offset;
    return copied;
}
