#include "CredentialSocket.h"

#include <cstring>

#include <sys/socket.h>

namespace pysandbox {

ssize_t receiveWithSender(int fd, char *buffer, size_t size, pid_t *sender)
{
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))] = {};
    iovec part{buffer, size};
    msghdr message{};
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    const ssize_t got = ::recvmsg(fd, &message, MSG_CMSG_CLOEXEC);
    *sender = -1;
    if (got <= 0)
        return got;
    for (cmsghdr *item = CMSG_FIRSTHDR(&message); item; item = CMSG_NXTHDR(&message, item))
        if (item->cmsg_level == SOL_SOCKET && item->cmsg_type == SCM_CREDENTIALS) {
            ucred credentials{};
            std::memcpy(&credentials, CMSG_DATA(item), sizeof credentials);
            *sender = credentials.pid;
        }
    return got;
}

} // namespace pysandbox
