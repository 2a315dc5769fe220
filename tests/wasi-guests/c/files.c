/* Files and directories through wasi-libc's POSIX layer, inside the preopen "/". */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include "check.h"

int main(void) {
    CHECK(mkdir("/c", 0755) == 0);
    CHECK_ERRNO(mkdir("/c", 0755), EEXIST);
    CHECK(chdir("/c") == 0);

    int fd = open("data.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "hello, wasi-libc", 16) == 16);
    CHECK(lseek(fd, 7, SEEK_SET) == 7);
    char buffer[32] = {0};
    CHECK(read(fd, buffer, sizeof buffer) == 9);
    CHECK(strcmp(buffer, "wasi-libc") == 0);
    CHECK(pwrite(fd, "WASI", 4, 7) == 4);
    CHECK(pread(fd, buffer, 4, 7) == 4 && memcmp(buffer, "WASI", 4) == 0);
    CHECK(ftruncate(fd, 5) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 5 && S_ISREG(st.st_mode));
    CHECK(close(fd) == 0);
    CHECK_ERRNO(close(fd), EBADF);

    CHECK((fd = open("log", O_CREAT | O_WRONLY | O_APPEND, 0644)) >= 0);
    CHECK(write(fd, "a", 1) == 1 && write(fd, "b", 1) == 1);
    CHECK(close(fd) == 0);
    CHECK(stat("log", &st) == 0 && st.st_size == 2);

    struct timespec times[2] = {{1000000000, 0}, {1200000000, 500}};
    CHECK(utimensat(AT_FDCWD, "log", times, 0) == 0);
    CHECK(stat("log", &st) == 0 && st.st_mtim.tv_sec == 1200000000 && st.st_mtim.tv_nsec == 500);

    CHECK(symlink("data.txt", "link") == 0);
    char target[64] = {0};
    CHECK(readlink("link", target, sizeof target) == 8 && strcmp(target, "data.txt") == 0);
    CHECK(lstat("link", &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(stat("link", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 5);
    CHECK_ERRNO(symlink("/etc/passwd", "absolute"), EPERM);

    CHECK(mkdir("sub", 0755) == 0);
    CHECK(rename("log", "sub/log") == 0);
    CHECK_ERRNO(stat("log", &st), ENOENT);
    CHECK(link("data.txt", "sub/hard") == 0);
    CHECK(stat("data.txt", &st) == 0 && st.st_nlink == 2);

    int entries = 0, saw_dot = 0, saw_sub = 0;
    DIR *directory = opendir(".");
    CHECK(directory != NULL);
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        entries++;
        saw_dot |= strcmp(entry->d_name, ".") == 0;
        saw_sub |= strcmp(entry->d_name, "sub") == 0 && entry->d_type == DT_DIR;
    }
    CHECK(closedir(directory) == 0);
    CHECK(entries == 5 && saw_dot && saw_sub); /* . .. data.txt link sub */

    CHECK_ERRNO(rmdir("sub"), ENOTEMPTY);
    CHECK_ERRNO(unlink("sub"), EISDIR);
    CHECK_ERRNO(open("missing", O_RDONLY), ENOENT);
    CHECK_ERRNO(open("data.txt/x", O_RDONLY), ENOTDIR);
    CHECK_ERRNO(open("sub", O_WRONLY), EISDIR);
    CHECK_ERRNO(open("/../outside", O_RDONLY), EPERM);
    CHECK(unlink("sub/log") == 0 && unlink("sub/hard") == 0 && rmdir("sub") == 0);
    CHECK(unlink("link") == 0 && unlink("data.txt") == 0);
    CHECK(chdir("/") == 0 && rmdir("c") == 0);
    puts("c files ok");
    return 0;
}
