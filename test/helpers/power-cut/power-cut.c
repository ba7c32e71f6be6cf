/*
 * A power cut for the files under one directory, loaded into a process with LD_PRELOAD.
 *
 * The kernel's page cache survives SIGKILL, so a kill alone cannot tell a synced write from an
 * unsynced one. This library keeps, beside the live directory, a "shadow" copy holding only what a
 * disk would still hold after the power went: each fsync/fdatasync of a file under
 * HUB_POWER_CUT_DIR copies that file's bytes, as they are at that moment, into the same path under
 * HUB_POWER_CUT_SHADOW (chunks that already match are not rewritten). A test cuts the power by
 * killing the process and replacing the live directory with the shadow.
 *
 * The model: a file's contents are durable up to its last sync; a file never synced is lost;
 * rename and unlink are durable at once (a rename over a name whose source was never synced leaves
 * that name lost); creating a file is durable with its first sync. Directory syncs, sync(),
 * syncfs() and writes through mmap are not modelled.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536

static char live_root[PATH_MAX];
static char shadow_root[PATH_MAX];
static size_t live_length;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned int);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);

__attribute__((constructor)) static void power_cut_init(void) {
  real_fsync = dlsym(RTLD_NEXT, "fsync");
  real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
  real_rename = dlsym(RTLD_NEXT, "rename");
  real_renameat = dlsym(RTLD_NEXT, "renameat");
  real_renameat2 = dlsym(RTLD_NEXT, "renameat2");
  real_unlink = dlsym(RTLD_NEXT, "unlink");
  real_unlinkat = dlsym(RTLD_NEXT, "unlinkat");
  const char *live = getenv("HUB_POWER_CUT_DIR");
  const char *shadow = getenv("HUB_POWER_CUT_SHADOW");
  if (!live || !shadow || !realpath(live, live_root) || !realpath(shadow, shadow_root)) {
    live_root[0] = '\0';
    return;
  }
  live_length = strlen(live_root);
}

/* The path relative to the live root ("/x/y"), or NULL when `path` is not under it. */
static const char *under_live(const char *path) {
  if (live_length == 0 || strncmp(path, live_root, live_length) != 0) return NULL;
  if (path[live_length] != '/') return NULL;
  return path + live_length;
}

/* An absolute, canonical path for `path` relative to `dirfd`, with its last part left as given
 * (it may not exist yet, or any more). */
static int absolute(int dirfd, const char *path, char out[PATH_MAX]) {
  char joined[PATH_MAX];
  if (path[0] == '/') {
    snprintf(joined, sizeof joined, "%s", path);
  } else {
    char base[PATH_MAX];
    if (dirfd == AT_FDCWD) {
      if (!getcwd(base, sizeof base)) return -1;
    } else {
      char link[64];
      snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
      ssize_t n = readlink(link, base, sizeof base - 1);
      if (n < 0) return -1;
      base[n] = '\0';
    }
    if ((size_t)snprintf(joined, sizeof joined, "%s/%s", base, path) >= sizeof joined) return -1;
  }
  char *slash = strrchr(joined, '/');
  char parent[PATH_MAX];
  if (slash == joined) {
    snprintf(out, PATH_MAX, "%s", joined);
    return 0;
  }
  *slash = '\0';
  if (!realpath(joined, parent)) return -1;
  return (size_t)snprintf(out, PATH_MAX, "%s/%s", parent, slash + 1) >= PATH_MAX ? -1 : 0;
}

static void make_parents(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(path, 0700);
    *p = '/';
  }
}

static void shadow_of(const char *relative, char out[PATH_MAX]) {
  snprintf(out, PATH_MAX, "%s%s", shadow_root, relative);
}

/* The path relative to the live root of the file behind `fd` (written into `path`), or NULL. */
static const char *live_file(int fd, char link[64], char path[PATH_MAX]) {
  if (live_length == 0) return NULL;
  snprintf(link, 64, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, PATH_MAX - 1);
  if (n < 0) return NULL;
  path[n] = '\0';
  return under_live(path);
}

/* Bring the shadow copy of the file behind `fd` up to the file's current bytes. */
static void record_sync(int fd, const char *link, const char *relative) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  char shadow[PATH_MAX];
  shadow_of(relative, shadow);
  make_parents(shadow);
  int source = open(link, O_RDONLY | O_CLOEXEC);
  int copy = open(shadow, O_RDWR | O_CREAT | O_CLOEXEC, st.st_mode & 07777);
  static char want[CHUNK], have[CHUNK];
  off_t at = 0;
  if (source >= 0 && copy >= 0) {
    for (;;) {
      ssize_t got = pread(source, want, CHUNK, at);
      if (got <= 0) break;
      ssize_t held = pread(copy, have, (size_t)got, at);
      if (held != got || memcmp(want, have, (size_t)got) != 0) {
        if (pwrite(copy, want, (size_t)got, at) != got) break;
      }
      at += got;
    }
    if (ftruncate(copy, at) != 0) perror("power-cut: ftruncate");
  }
  if (source >= 0) close(source);
  if (copy >= 0) close(copy);
}

/* HUB_POWER_CUT_SYNC_DELAY_US: a slow disk (an SD card), so a process that acknowledges before
 * its sync returns is caught with the sync still under way. */
static int sync_with(int (*real)(int), int fd) {
  char link[64], path[PATH_MAX];
  const char *relative = live_file(fd, link, path);
  if (!relative) return real(fd);
  const char *delay = getenv("HUB_POWER_CUT_SYNC_DELAY_US");
  if (delay) usleep((useconds_t)atoi(delay));
  int result = real(fd);
  if (result != 0) return result;
  int saved = errno;
  pthread_mutex_lock(&lock);
  record_sync(fd, link, relative);
  pthread_mutex_unlock(&lock);
  errno = saved;
  return result;
}

int fsync(int fd) { return sync_with(real_fsync, fd); }
int fdatasync(int fd) { return sync_with(real_fdatasync, fd); }

/* A rename that succeeded in the live directory, applied to the shadow. */
static void record_rename(const char *from, const char *to) {
  const char *from_relative = under_live(from);
  const char *to_relative = under_live(to);
  char shadow_from[PATH_MAX], shadow_to[PATH_MAX];
  if (to_relative) shadow_of(to_relative, shadow_to);
  if (from_relative) shadow_of(from_relative, shadow_from);
  if (to_relative && from_relative && access(shadow_from, F_OK) == 0) {
    make_parents(shadow_to);
    real_rename(shadow_from, shadow_to);
  } else if (to_relative) {
    real_unlink(shadow_to);
  } else if (from_relative) {
    real_unlink(shadow_from);
  }
}

static int renamed(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int result) {
  if (result != 0 || live_length == 0) return result;
  int saved = errno;
  char from[PATH_MAX], to[PATH_MAX];
  pthread_mutex_lock(&lock);
  if (absolute(olddirfd, oldpath, from) == 0 && absolute(newdirfd, newpath, to) == 0) record_rename(from, to);
  pthread_mutex_unlock(&lock);
  errno = saved;
  return result;
}

int rename(const char *oldpath, const char *newpath) {
  return renamed(AT_FDCWD, oldpath, AT_FDCWD, newpath, real_rename(oldpath, newpath));
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
  return renamed(olddirfd, oldpath, newdirfd, newpath, real_renameat(olddirfd, oldpath, newdirfd, newpath));
}

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags) {
  return renamed(olddirfd, oldpath, newdirfd, newpath, real_renameat2(olddirfd, oldpath, newdirfd, newpath, flags));
}

static int unlinked(int dirfd, const char *path, int result) {
  if (result != 0 || live_length == 0) return result;
  int saved = errno;
  char full[PATH_MAX], shadow[PATH_MAX];
  pthread_mutex_lock(&lock);
  const char *relative = absolute(dirfd, path, full) == 0 ? under_live(full) : NULL;
  if (relative) {
    shadow_of(relative, shadow);
    if (real_unlink(shadow) != 0) rmdir(shadow);
  }
  pthread_mutex_unlock(&lock);
  errno = saved;
  return result;
}

int unlink(const char *path) { return unlinked(AT_FDCWD, path, real_unlink(path)); }
int unlinkat(int dirfd, const char *path, int flags) { return unlinked(dirfd, path, real_unlinkat(dirfd, path, flags)); }
