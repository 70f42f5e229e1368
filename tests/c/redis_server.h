/* Shared by the C test programs that need Redis: a redis-server on a free loopback port
 * (persistence off), started with fork/exec and killed as a crash would. */
#ifndef SOTER_TEST_REDIS_SERVER_H
#define SOTER_TEST_REDIS_SERVER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0) port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static int port_open(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* Start redis-server on `port`, with `password` required unless NULL; wait until it listens. */
static pid_t start_redis_with(int port, const char *password) {
    char p[16];
    snprintf(p, sizeof p, "%d", port);
    fflush(NULL); /* or the child's freopen writes our buffered output a second time */
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout)) _exit(126);
        if (password)
            execlp("redis-server", "redis-server", "--port", p, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", "/tmp", "--loglevel", "warning", "--requirepass", password, (char *)NULL);
        else
            execlp("redis-server", "redis-server", "--port", p, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", "/tmp", "--loglevel", "warning", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500 && !port_open(port); i++) usleep(10 * 1000);
    return pid;
}

static void stop_redis(pid_t pid, int port) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    while (port_open(port)) usleep(5 * 1000);
}

static int have_redis(void) {
    int st = system("redis-server --version >/dev/null 2>&1");
    return st == 0;
}

#endif
