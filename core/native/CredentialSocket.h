#pragma once

#include <sys/types.h>

namespace pysandbox {

// One message from a unix socket on which SO_PASSCRED is set: the kernel attaches the sender's
// pid, translated into our PID namespace, so the sender cannot lie about it. Returns what
// recvmsg() returned (errno set on -1); *sender is -1 when no credentials came along.
ssize_t receiveWithSender(int fd, char *buffer, size_t size, pid_t *sender);

} // namespace pysandbox
