/* td-fault-inject.c - an LD_PRELOAD library that makes a real tidingsd meet
 * a failing disk, on demand.
 *
 * The test names a control file in TD_FAULT_CONTROL and writes a word into
 * it while the server runs:
 *   "fsync"   fsync() and fdatasync() fail with EIO (a dying disk, or the
 *             kernel reporting a lost write-back);
 *   "enospc"  writes to regular files fail with ENOSPC (a full disk) and so
 *             do fsync()s, as they do on a full file system after delayed
 *             allocation;
 *   anything else, or no file: everything passes through.
 * Reading a small file per call is slow, but only the store's writes and
 * syncs go through it, and the tests send a few hundred messages at most.
 * Sockets, pipes and terminals are never affected, so the server can still
 * tell its clients what happened.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

typedef enum { FAULT_NONE, FAULT_FSYNC, FAULT_ENOSPC } Fault;

static Fault
current_fault (void)
{
  const char *path = getenv ("TD_FAULT_CONTROL");
  char buf[16] = { 0 };
  ssize_t n;
  int fd;
  int saved = errno;

  if (path == NULL)
    return FAULT_NONE;
  /* open/read are not intercepted, so this cannot recurse. */
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      errno = saved;
      return FAULT_NONE;
    }
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  errno = saved;
  if (n <= 0)
    return FAULT_NONE;
  if (strncmp (buf, "fsync", 5) == 0)
    return FAULT_FSYNC;
  if (strncmp (buf, "enospc", 6) == 0)
    return FAULT_ENOSPC;
  return FAULT_NONE;
}

static int
is_regular (int fd)
{
  struct stat st;
  int saved = errno;
  int regular = fstat (fd, &st) == 0 && S_ISREG (st.st_mode);

  errno = saved;
  return regular;
}

#define REAL(ret, name, ...) \
  static ret (*real) (__VA_ARGS__); \
  if (real == NULL) \
    real = (ret (*) (__VA_ARGS__)) dlsym (RTLD_NEXT, name)

int
fsync (int fd)
{
  REAL (int, "fsync", int);
  if (current_fault () != FAULT_NONE && is_regular (fd))
    {
      errno = EIO;
      return -1;
    }
  return real (fd);
}

int
fdatasync (int fd)
{
  REAL (int, "fdatasync", int);
  if (current_fault () != FAULT_NONE && is_regular (fd))
    {
      errno = EIO;
      return -1;
    }
  return real (fd);
}

static int
refuse_write (int fd)
{
  if (current_fault () == FAULT_ENOSPC && is_regular (fd))
    {
      errno = ENOSPC;
      return 1;
    }
  return 0;
}

ssize_t
write (int fd, const void *buf, size_t count)
{
  REAL (ssize_t, "write", int, const void *, size_t);
  if (refuse_write (fd))
    return -1;
  return real (fd, buf, count);
}

ssize_t
pwrite (int fd, const void *buf, size_t count, off_t offset)
{
  REAL (ssize_t, "pwrite", int, const void *, size_t, off_t);
  if (refuse_write (fd))
    return -1;
  return real (fd, buf, count, offset);
}

ssize_t
pwrite64 (int fd, const void *buf, size_t count, off64_t offset)
{
  REAL (ssize_t, "pwrite64", int, const void *, size_t, off64_t);
  if (refuse_write (fd))
    return -1;
  return real (fd, buf, count, offset);
}

ssize_t
writev (int fd, const struct iovec *iov, int iovcnt)
{
  REAL (ssize_t, "writev", int, const struct iovec *, int);
  if (refuse_write (fd))
    return -1;
  return real (fd, iov, iovcnt);
}

int
fallocate (int fd, int mode, off_t offset, off_t len)
{
  REAL (int, "fallocate", int, int, off_t, off_t);
  if (refuse_write (fd))
    return -1;
  return real (fd, mode, offset, len);
}
