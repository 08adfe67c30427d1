/*
 * berth-shim: one small supervisor per container (the role containerd-shim plays for Docker).
 *
 *   berth-shim --id ID --bundle DIR --runtime PATH --root STATEDIR [--state SDIR]
 *              [--log FILE] [--stdin] [--tty] [--private-cgroupns-fix] [--oom-file FILE]
 *              [--exec-process PROCESS.json]
 *
 * With --run the shim runs `RUNTIME run --detach` instead of `create` (one runtime process
 * instead of two): the process runs at once; the shim reads its pipes only once the daemon has
 * attached (bounded wait, then the run fails); 'c' and 's' follow each other, a later 'S' is
 * answered with 's'.
 *
 * --state SDIR: where the shim's own files go (shim.sock, shim.log, init.pid, console.sock,
 * exit.json; "DIR/" below), when not in the bundle: berthd keeps them under its exec root, off
 * the data root (a full disk must not stop a shim from starting or recording an exit).
 *
 * With --exec-process the shim supervises an extra process in a running container (docker exec)
 * instead: DIR is then the exec's own directory; nothing is created; "start" runs
 * `RUNTIME exec --detach --process PROCESS.json [--console-socket] ID`; nothing is deleted at exit.
 *
 * What it does, in order:
 *  1. becomes a child subreaper, ignores SIGPIPE, (crun on hybrid cgroups: unshares its mount
 *     namespace, makes it private and unmounts /sys/fs/cgroup/unified);
 *  2. listens on DIR/shim.sock, prints "ready\n" on stdout and closes it (the daemon waits for
 *     that line, then connects), sends its own diagnostics to DIR/shim.log;
 *  3. runs `RUNTIME --root STATEDIR create --bundle DIR --pid-file DIR/init.pid ID` with pipes
 *     as the container's stdio (stdin: a pipe with --stdin, else /dev/null); on failure the
 *     runtime's stderr text is the error. With --tty (config.json has process.terminal) it adds
 *     `--console-socket DIR/console.sock`, receives the pty master from the runtime and uses it
 *     for output (logged as stdout, like Docker), stdin and resize;
 *  4. waits for the daemon's "start" to run `RUNTIME start ID`;
 *  5. reads stdout/stderr with big reads, forwards every chunk to the connected daemon and
 *     writes the json-file log (Docker's format: one {"log","stream","time"} object per line,
 *     lines cut at 16 KiB, Docker's escaping);
 *  6. when the init process exits: drains the pipes (bounded), reads the OOM counter, tells the
 *     daemon ('w'), runs `RUNTIME delete --force ID`, writes DIR/exit.json atomically, tells the
 *     daemon again ('x'), exits.
 *
 * Wire protocol on shim.sock, both ways: frames [type:1][length:4, big-endian][payload].
 *  daemon -> shim: 'A' attach (first frame of a connection; until it arrives the connection is
 *                  pending and displaces nobody); 'S' start; 'I' stdin bytes; 'C' close stdin; 'K' kill (payload: signal as
 *                  decimal text); 'R' resize (rows:2, cols:2; reserved for TTY support).
 *  shim -> daemon: 1 stdout bytes; 2 stderr bytes; 'H' hello (JSON: state, pid, shimPid; sent on
 *                  connect); 'c' created (JSON {"pid":N}); 's' started; 'f' failed (error text);
 *                  'w' the process exited (exit document, sent before `runtime delete`; containers
 *                  only, not execs, not failed creates/starts); 'x' exited (the exit.json document,
 *                  after the delete; the last frame); 'k' kill result (errno as decimal text,
 *                  "0" when sent); 'e' error text for a bad request; 'd' displaced (another
 *                  daemon connection took over; this one is closed next); 'i' stdin taken (the
 *                  count, decimal text, of 'I' bytes written to the process or dropped since the
 *                  last 'i': the daemon keeps at most STDIN_WINDOW bytes unacknowledged, so the
 *                  stdin queue here stays bounded while the process reads slowly; the hello's
 *                  "stdinAck":true says this shim sends them).
 * One daemon connection at a time; a new connection replaces the old one. Output produced while
 * no daemon is connected is only logged: the container never waits for a daemon. While a
 * connected daemon does not read, the shim stops reading the container's pipes (backpressure).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE (256 * 1024)
#define LINE_MAX_BYTES 16384
#define LOGBUF_SIZE (1024 * 1024)
#define LOGBUF_FLUSH (LOGBUF_SIZE - (LINE_MAX_BYTES * 6 + 512))
#define DRAIN_MS 2000
#define FAILED_LINGER_MS 5000
#define CREATE_ERR_MAX 8192

enum state { ST_CREATING, ST_CREATED, ST_RUNNING, ST_EXITED, ST_FAILED };
static const char *state_names[] = {"creating", "created", "running", "exited", "failed"};

static const char *opt_id, *opt_bundle, *opt_state, *opt_runtime, *opt_root, *opt_log, *opt_oom, *opt_exec;
/* json-file rotation (docker's max-size / max-file): 0 = unbounded */
static long long opt_log_max_size;
static int opt_log_max_file = 1;
/* exec mode: the container's stdio write ends, kept until `runtime exec` runs */
static int exec_out_w = -1, exec_err_w = -1, exec_in_r = -1;
static int opt_stdin, opt_cgfix, opt_tty, opt_run;
static int console_fd = -1; /* pty master (--tty) */

static enum state st = ST_CREATING;
static pid_t init_pid = -1;
static int exit_code = -1;
static struct timespec finished_at;
static char fail_msg[CREATE_ERR_MAX];

/* ---------- small helpers ---------- */

static void logmsg(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "berth-shim[%d] %s: ", (int)getpid(), opt_id ? opt_id : "?");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  fflush(stderr);
}

static void die(const char *what) {
  logmsg("fatal: %s: %s", what, strerror(errno));
  exit(1);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd pf = {fd, POLLOUT, 0};
        if (poll(&pf, 1, 5000) <= 0) return -1;
        continue;
      }
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* RFC3339Nano like Go's time.Format: trailing zeros of the fraction trimmed. */
static int format_time(const struct timespec *ts, char *out) {
  static time_t cached_sec = -1;
  static char cached[32];
  if (ts->tv_sec != cached_sec) {
    struct tm tm;
    gmtime_r(&ts->tv_sec, &tm);
    strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_sec = ts->tv_sec;
  }
  int n = (int)strlen(cached);
  memcpy(out, cached, (size_t)n);
  long ns = ts->tv_nsec;
  if (ns != 0) {
    char frac[10];
    for (int i = 8; i >= 0; i--) {
      frac[i] = (char)('0' + ns % 10);
      ns /= 10;
    }
    int len = 9;
    while (len > 0 && frac[len - 1] == '0') len--;
    out[n++] = '.';
    memcpy(out + n, frac, (size_t)len);
    n += len;
  }
  out[n++] = 'Z';
  out[n] = 0;
  return n;
}

/* ---------- growable byte queue (daemon output, stdin) ---------- */

struct queue {
  char *buf;
  size_t off, len, cap;
};

static int q_append(struct queue *q, const void *p, size_t n) {
  if (q->off > 0 && q->off == q->len) q->off = q->len = 0;
  if (q->len + n > q->cap) {
    if (q->off > 0) {
      memmove(q->buf, q->buf + q->off, q->len - q->off);
      q->len -= q->off;
      q->off = 0;
    }
    if (q->len + n > q->cap) {
      size_t cap = q->cap ? q->cap : 4096;
      while (cap < q->len + n) cap *= 2;
      char *nb = realloc(q->buf, cap);
      if (!nb) return -1;
      q->buf = nb;
      q->cap = cap;
    }
  }
  memcpy(q->buf + q->len, p, n);
  q->len += n;
  return 0;
}

static size_t q_size(const struct queue *q) { return q->len - q->off; }

static void q_reset(struct queue *q, int release) {
  q->off = q->len = 0;
  if (release && q->cap > 1024 * 1024) {
    free(q->buf);
    q->buf = NULL;
    q->cap = 0;
  }
}

/* ---------- the daemon connection ---------- */

static int listen_fd = -1, client_fd = -1;
static struct queue client_out;
static char client_in[64 * 1024 + 16];
static size_t client_in_len;

static void client_drop(void) {
  if (client_fd >= 0) close(client_fd);
  client_fd = -1;
  q_reset(&client_out, 1);
  client_in_len = 0;
}

/* Tries to push queued bytes; returns -1 and drops the client on a hard error. */
static int client_flush(void) {
  while (client_fd >= 0 && q_size(&client_out) > 0) {
    ssize_t w = send(client_fd, client_out.buf + client_out.off, q_size(&client_out), MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return 0;
      client_drop();
      return -1;
    }
    client_out.off += (size_t)w;
  }
  if (q_size(&client_out) == 0) client_out.off = client_out.len = 0;
  return 0;
}

static void frame_header(unsigned char *h, unsigned char type, size_t len) {
  h[0] = type;
  h[1] = (unsigned char)(len >> 24);
  h[2] = (unsigned char)(len >> 16);
  h[3] = (unsigned char)(len >> 8);
  h[4] = (unsigned char)len;
}

/* Sends a frame: straight to the socket when nothing is queued, the rest is queued. */
static void client_send(unsigned char type, const void *p, size_t n) {
  if (client_fd < 0) return;
  unsigned char h[5];
  frame_header(h, type, n);
  size_t done = 0, total = n + 5;
  if (q_size(&client_out) == 0) {
    struct iovec iov[2] = {{h, 5}, {(void *)p, n}};
    struct msghdr mh = {0};
    mh.msg_iov = iov;
    mh.msg_iovlen = n ? 2 : 1;
    ssize_t w;
    do w = sendmsg(client_fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (w < 0 && errno == EINTR);
    if (w < 0) {
      if (errno != EAGAIN) {
        client_drop();
        return;
      }
      w = 0;
    }
    done = (size_t)w;
    if (done == total) return;
  }
  if (done < 5) {
    if (q_append(&client_out, h + done, 5 - done) < 0) goto oom;
    done = 5;
  }
  if (q_append(&client_out, (const char *)p + (done - 5), total - done) < 0) goto oom;
  return;
oom:
  logmsg("out of memory queueing output; dropping the daemon connection");
  client_drop();
}

static void client_send_str(unsigned char type, const char *s) { client_send(type, s, strlen(s)); }

static void send_hello(void) {
  char buf[128];
  snprintf(buf, sizeof buf, "{\"state\":\"%s\",\"pid\":%d,\"shimPid\":%d,\"stdinAck\":true}", state_names[st], (int)init_pid, (int)getpid());
  client_send_str('H', buf);
}

/* ---------- the json-file log ---------- */

static int log_fd = -1;
static char *logbuf;
static size_t loglen;
static unsigned char esc_len[256];
#define PAT_REPS 1024
static char pat[6 * PAT_REPS]; /* esc_str[pat_c] repeated PAT_REPS times */
static int pat_c = -1;
static char esc_str[256][8];

static void init_escapes(void) {
  static const char hex[] = "0123456789abcdef";
  for (int b = 0; b < 256; b++) {
    if (b >= 0x80) {
      esc_len[b] = 255; /* UTF-8 lead/continuation: decoded */
    } else if (b == '\\' || b == '"') {
      esc_str[b][0] = '\\';
      esc_str[b][1] = (char)b;
      esc_len[b] = 2;
    } else if (b == '\n') {
      memcpy(esc_str[b], "\\n", 2);
      esc_len[b] = 2;
    } else if (b == '\r') {
      memcpy(esc_str[b], "\\r", 2);
      esc_len[b] = 2;
    } else if (b < 0x20 || b == '<' || b == '>' || b == '&') {
      memcpy(esc_str[b], "\\u00", 4);
      esc_str[b][4] = hex[b >> 4];
      esc_str[b][5] = hex[b & 15];
      esc_len[b] = 6;
    } else {
      esc_len[b] = 0;
    }
  }
}

/* Length of a valid UTF-8 sequence at p (Go's utf8.DecodeRune rules), 0 if invalid. */
static int utf8_len(const unsigned char *p, size_t n, unsigned *cp) {
  unsigned char c = p[0];
  if (c >= 0xC2 && c <= 0xDF) {
    if (n < 2 || (p[1] & 0xC0) != 0x80) return 0;
    *cp = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3) return 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
    if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80) return 0;
    *cp = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4) return 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
    if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
    *cp = 0;
    return 4;
  }
  return 0;
}

static long long log_size; /* bytes in the current log file */

static void log_write(const char *p, size_t n) {
  if (n == 0 || log_fd < 0) return;
  if (write_all(log_fd, p, n) < 0) logmsg("writing the log: %s", strerror(errno));
  else log_size += (long long)n;
}

static void log_flush(void) {
  log_write(logbuf, loglen);
  loglen = 0;
}

/* docker's rotation: LOG.(N-1) -> LOG.N ... LOG -> LOG.1 and a new LOG; with max-file 1 the
   file is truncated. Readers holding the old file keep reading it to its end. */
static void log_rotate(void) {
  char a[4096], b[4096];
  if (opt_log_max_file > 1) {
    /* The oldest file goes first, so that no rename below replaces an existing file: on ext4 a
       rename over a file forces writeback of the renamed file's data (auto_da_alloc), which made
       every rotation wait for the disk. Its dirty pages are dropped with it instead. */
    snprintf(b, sizeof b, "%s.%d", opt_log, opt_log_max_file - 1);
    if (unlink(b) < 0 && errno != ENOENT) logmsg("rotating %s: %s", b, strerror(errno));
    for (int i = opt_log_max_file - 1; i > 1; i--) {
      snprintf(a, sizeof a, "%s.%d", opt_log, i - 1);
      snprintf(b, sizeof b, "%s.%d", opt_log, i);
      if (rename(a, b) < 0 && errno != ENOENT) logmsg("rotating %s: %s", a, strerror(errno));
    }
    snprintf(b, sizeof b, "%s.1", opt_log);
    if (rename(opt_log, b) < 0) logmsg("rotating %s: %s", opt_log, strerror(errno));
    close(log_fd);
    log_fd = open(opt_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  } else {
    if (ftruncate(log_fd, 0) < 0) logmsg("truncating %s: %s", opt_log, strerror(errno));
  }
  if (log_fd < 0) logmsg("reopening log %s: %s (logging disabled)", opt_log, strerror(errno));
  log_size = 0;
}

static void log_entry(const char *stream, const unsigned char *p, size_t n, const struct timespec *ts) {
  if (log_fd < 0) return;
  if (loglen > LOGBUF_FLUSH) log_flush();
  size_t before = loglen;
  char *o = logbuf + loglen;
  memcpy(o, "{\"log\":\"", 8);
  o += 8;
  size_t i = 0;
  while (i < n) {
    size_t start = i;
    while (i < n && esc_len[p[i]] == 0) i++;
    if (i > start) {
      memcpy(o, p + start, i - start);
      o += i - start;
    }
    if (i >= n) break;
    unsigned char c = p[i];
    if (esc_len[c] != 255) {
      /* a run of one escaped byte (NULs from dd, say): copied from a repeated pattern */
      size_t run = 1;
      while (i + run < n && p[i + run] == c) run++;
      if (run >= 4) {
        size_t el = esc_len[c];
        if (pat_c != c) {
          for (int k = 0; k < PAT_REPS; k++) memcpy(pat + k * el, esc_str[c], el);
          pat_c = c;
        }
        i += run;
        while (run > 0) {
          size_t k = run < PAT_REPS ? run : PAT_REPS;
          memcpy(o, pat, k * el);
          o += k * el;
          run -= k;
        }
        continue;
      }
      memcpy(o, esc_str[c], 8);
      o += esc_len[c];
      i++;
      continue;
    }
    unsigned cp = 0;
    int l = utf8_len(p + i, n - i, &cp);
    if (l == 0) {
      memcpy(o, "\\ufffd", 6);
      o += 6;
      i++;
    } else if (cp == 0x2028 || cp == 0x2029) {
      memcpy(o, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
      o += 6;
      i += (size_t)l;
    } else {
      memcpy(o, p + i, (size_t)l);
      o += l;
      i += (size_t)l;
    }
  }
  memcpy(o, "\",\"stream\":\"", 12);
  o += 12;
  size_t sl = strlen(stream);
  memcpy(o, stream, sl);
  o += sl;
  memcpy(o, "\",\"time\":\"", 10);
  o += 10;
  o += format_time(ts, o);
  memcpy(o, "\"}\n", 3);
  o += 3;
  loglen = (size_t)(o - logbuf);
  if (opt_log_max_size > 0 && log_size + (long long)loglen > opt_log_max_size && log_size + (long long)before > 0) {
    /* this entry would overflow the file: what came before it ends the file, it starts the next */
    log_write(logbuf, before);
    log_rotate();
    memmove(logbuf, logbuf + before, loglen - before);
    loglen -= before;
  }
}

/* ---------- container output streams ---------- */

struct stream {
  const char *name;
  unsigned char type;
  int fd;
  int eof;
  size_t len;
  int in_chain; /* a long line is being cut into 16 KiB pieces: they share one timestamp */
  struct timespec chain_ts;
  unsigned char line[LINE_MAX_BYTES + 1];
};

static struct stream streams[2];
static unsigned char *readbuf;
static char create_err[CREATE_ERR_MAX];
static size_t create_err_len;

static void emit(struct stream *s, const unsigned char *p, size_t n, int complete) {
  struct timespec ts;
  if (s->in_chain) ts = s->chain_ts;
  else clock_gettime(CLOCK_REALTIME, &ts);
  log_entry(s->name, p, n, &ts);
  if (complete) s->in_chain = 0;
  else if (!s->in_chain) {
    s->in_chain = 1;
    s->chain_ts = ts;
  }
}

/* Docker's copier: a line is logged when its newline arrives, or in 16 KiB pieces. */
static void log_data(struct stream *s, const unsigned char *p, size_t n) {
  if (log_fd < 0) return;
  const unsigned char *end = p + n;
  while (p < end) {
    size_t room = LINE_MAX_BYTES - s->len;
    size_t avail = (size_t)(end - p);
    size_t scan = avail < room ? avail : room;
    const unsigned char *nl = memchr(p, '\n', scan);
    if (nl) {
      size_t seg = (size_t)(nl - p) + 1;
      if (s->len == 0) emit(s, p, seg, 1);
      else {
        memcpy(s->line + s->len, p, seg);
        emit(s, s->line, s->len + seg, 1);
        s->len = 0;
      }
      p += seg;
    } else if (scan == room) {
      if (s->len == 0) emit(s, p, room, 0);
      else {
        memcpy(s->line + s->len, p, room);
        emit(s, s->line, LINE_MAX_BYTES, 0);
        s->len = 0;
      }
      p += room;
    } else {
      memcpy(s->line + s->len, p, avail);
      s->len += avail;
      p = end;
    }
  }
}

static void stream_eof(struct stream *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  s->eof = 1;
  if (s->len > 0) {
    emit(s, s->line, s->len, 0);
    s->len = 0;
  }
}

/* Reads one chunk; returns bytes read, 0 on EOF, -1 when nothing is ready. */
static ssize_t stream_read(struct stream *s) {
  ssize_t r;
  do r = read(s->fd, readbuf, READ_SIZE);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == EAGAIN) return -1;
    if (errno != EIO) logmsg("reading %s: %s", s->name, strerror(errno)); /* EIO: pty hung up */
    stream_eof(s);
    return 0;
  }
  if (r == 0) {
    stream_eof(s);
    return 0;
  }
  if (st == ST_CREATING || st == ST_FAILED) {
    /* Before the process starts, only the runtime itself writes here: keep it as the error text. */
    size_t room = sizeof create_err - 1 - create_err_len;
    size_t c = (size_t)r < room ? (size_t)r : room;
    memcpy(create_err + create_err_len, readbuf, c);
    create_err_len += c;
    return r;
  }
  client_send(s->type, readbuf, (size_t)r);
  log_data(s, readbuf, (size_t)r);
  return r;
}

/* ---------- stdin ---------- */

static int stdin_w = -1;
static struct queue stdin_q;
static int stdin_close_requested;
/* 'I' bytes that left the queue (written to the process, or dropped) and are not yet acknowledged. */
static size_t stdin_taken;

/* Tells the daemon how many stdin bytes left the queue ('i'): its window of unacknowledged
 * bytes is what bounds the queue (the daemon stops reading its client meanwhile). */
static void stdin_ack(void) {
  if (stdin_taken == 0) return;
  if (client_fd >= 0) {
    char num[24];
    snprintf(num, sizeof num, "%zu", stdin_taken);
    client_send_str('i', num);
  }
  stdin_taken = 0; /* no daemon: the next connection starts with a full window */
}

static void stdin_close(void) {
  if (stdin_w >= 0) close(stdin_w);
  stdin_w = -1;
  stdin_taken += q_size(&stdin_q);
  q_reset(&stdin_q, 1);
  stdin_ack();
}

static void stdin_flush(void) {
  while (stdin_w >= 0 && q_size(&stdin_q) > 0) {
    ssize_t w = write(stdin_w, stdin_q.buf + stdin_q.off, q_size(&stdin_q));
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      stdin_close(); /* EPIPE: the process closed its stdin */
      return;
    }
    stdin_q.off += (size_t)w;
    stdin_taken += (size_t)w;
  }
  if (stdin_w >= 0 && q_size(&stdin_q) == 0) {
    stdin_q.off = stdin_q.len = 0;
    if (stdin_close_requested) stdin_close();
  }
  stdin_ack();
}

/* ---------- the console (TTY) ---------- */

/* The runtime sends the pty master over this socket (SCM_RIGHTS); the listen backlog holds the
 * connection while we wait for the runtime, so it is accepted afterwards. */
static int console_listener(void) {
  unlink("console.sock");
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un ca = {0};
  ca.sun_family = AF_UNIX;
  strcpy(ca.sun_path, "console.sock");
  if (fd < 0 || bind(fd, (struct sockaddr *)&ca, sizeof ca) < 0 || listen(fd, 1) < 0) die("console socket");
  return fd;
}

static void receive_console(int lfd) {
  fcntl(lfd, F_SETFL, O_NONBLOCK);
  int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
  if (c >= 0) {
    char data[256];
    char ctrl[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {data, sizeof data};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctrl;
    mh.msg_controllen = sizeof ctrl;
    if (recvmsg(c, &mh, MSG_CMSG_CLOEXEC) >= 0) {
      struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
      if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) memcpy(&console_fd, CMSG_DATA(cm), sizeof(int));
    }
    close(c);
  }
  if (console_fd < 0) logmsg("no console received from the runtime");
}

/* With a TTY, the process's output (stdout and stderr merged) comes from the pty master. */
static void use_console(void) {
  if (streams[0].fd >= 0) close(streams[0].fd);
  if (streams[1].fd >= 0) close(streams[1].fd);
  streams[1].fd = -1;
  streams[1].eof = 1;
  fcntl(console_fd, F_SETFL, O_NONBLOCK);
  streams[0].fd = console_fd;
  streams[0].eof = 0;
  if (opt_stdin) {
    stdin_w = dup(console_fd);
    if (stdin_w >= 0) fcntl(stdin_w, F_SETFD, FD_CLOEXEC);
  }
}

/* ---------- running the OCI runtime ---------- */

static int devnull(int flags) {
  int fd = open("/dev/null", flags | O_CLOEXEC);
  if (fd < 0) die("open /dev/null");
  return fd;
}

/* Runs the runtime with the given stdio and waits for it; returns its wait status. */
static int run_runtime(char *const argv[], int in, int out, int err) {
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    /* ignored signals survive exec: the container must not inherit the shim's */
    signal(SIGPIPE, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(127);
    execv(argv[0], argv);
    dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      status = 255 << 8;
      break;
    }
  }
  return status;
}

/* Runs a runtime subcommand with stderr captured into msg (for start); returns its wait status. */
static int run_captured(char *const argv[], char *msg, size_t msgsz) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) die("pipe");
  int nul = devnull(O_RDWR);
  int status = run_runtime(argv, nul, nul, p[1]);
  close(nul);
  close(p[1]);
  size_t len = 0;
  for (;;) {
    ssize_t r = read(p[0], msg + len, msgsz - 1 - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
    if (len >= msgsz - 1) break;
  }
  close(p[0]);
  msg[len] = 0;
  return status;
}

static void trim(char *s) {
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) s[--n] = 0;
}

/* Keeps the last non-empty line of the runtime's stderr: runc prints its error last. */
static void set_fail_msg(const char *text, const char *fallback) {
  char tmp[CREATE_ERR_MAX];
  snprintf(tmp, sizeof tmp, "%s", text);
  trim(tmp);
  char *last = strrchr(tmp, '\n');
  const char *line = last ? last + 1 : tmp;
  /* runc may log as JSON/logfmt: level=error msg="..." -- keep the whole line, it contains the text. */
  snprintf(fail_msg, sizeof fail_msg, "%s", *line ? line : fallback);
}

static void runtime_delete(void) {
  char *argv[] = {(char *)opt_runtime, "--root", (char *)opt_root, "delete", "--force", (char *)opt_id, NULL};
  char msg[1024];
  int status = run_captured(argv, msg, sizeof msg);
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    trim(msg);
    logmsg("%s delete: %s", opt_runtime, msg);
  }
}

static int read_oom_killed(void) {
  if (!opt_oom) return 0;
  int fd = open(opt_oom, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[4096];
  ssize_t r = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (r <= 0) return 0;
  buf[r] = 0;
  char *p = strstr(buf, "oom_kill ");
  if (!p) return 0;
  return atol(p + 9) > 0;
}

static void write_exit_json(int oom) {
  char t[48], doc[CREATE_ERR_MAX * 2 + 256], esc[CREATE_ERR_MAX * 2];
  format_time(&finished_at, t);
  size_t n;
  if (st == ST_FAILED) {
    size_t j = 0;
    for (const char *s = fail_msg; *s && j < sizeof esc - 8; s++) {
      unsigned char c = (unsigned char)*s;
      if (c == '"' || c == '\\') {
        esc[j++] = '\\';
        esc[j++] = (char)c;
      } else if (c < 0x20) {
        j += (size_t)snprintf(esc + j, 8, "\\u%04x", c);
      } else esc[j++] = (char)c;
    }
    esc[j] = 0;
    n = (size_t)snprintf(doc, sizeof doc, "{\"exitCode\":%d,\"finishedAt\":\"%s\",\"oomKilled\":false,\"error\":\"%s\"}", exit_code, t, esc);
  } else {
    n = (size_t)snprintf(doc, sizeof doc, "{\"exitCode\":%d,\"finishedAt\":\"%s\",\"oomKilled\":%s}", exit_code, t, oom ? "true" : "false");
  }
  /* relative to our cwd (the state dir, or the bundle): the daemon may move the bundle away meanwhile (removal) */
  const char *tmp = "exit.json.tmp", *path = "exit.json";
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  /* an exec's exit.json only matters while this daemon runs (no exec reconnect): no fsync */
  if (fd < 0 || write_all(fd, doc, n) < 0 || (!opt_exec && fsync(fd) < 0) || close(fd) < 0 || rename(tmp, path) < 0) {
    logmsg("writing %s: %s", path, strerror(errno));
  }
  client_send('x', doc, n);
}

/* Final steps: log leftovers, OOM check, runtime delete, exit.json, tell the daemon, exit. */
static void finish(void) {
  for (int i = 0; i < 2; i++) {
    if (!streams[i].eof) stream_eof(&streams[i]);
  }
  log_flush();
  if (log_fd >= 0) close(log_fd);
  int oom = st == ST_EXITED && !opt_exec ? read_oom_killed() : 0;
  if (!opt_exec && st == ST_EXITED) {
    /* Tell the daemon now (all output is sent before this): it records the exit and unmounts
       while the runtime deletes its container; 'x' follows once that is done. */
    char t[48], doc[160];
    format_time(&finished_at, t);
    int n = snprintf(doc, sizeof doc, "{\"exitCode\":%d,\"finishedAt\":\"%s\",\"oomKilled\":%s}", exit_code, t, oom ? "true" : "false");
    client_send('w', doc, (size_t)n);
    client_flush();
  }
  if (!opt_exec) runtime_delete();
  write_exit_json(oom);
  /* Give the daemon a moment to read the last output and the exit message. */
  long long deadline = now_ms() + 2000;
  while (client_fd >= 0 && q_size(&client_out) > 0 && now_ms() < deadline) {
    struct pollfd pf = {client_fd, POLLOUT, 0};
    if (poll(&pf, 1, 100) > 0) client_flush();
  }
  if (client_fd >= 0) shutdown(client_fd, SHUT_WR);
  unlink("shim.sock");
  exit(0);
}

/* ---------- daemon requests ---------- */

static int start_requested;

static void finish(void);
static int wait_for_attach(void);

/* Exec mode: `runtime exec --detach` runs the process at once, with our pipes as its stdio. */
static void do_exec(void) {
  char pidfile[4096];
  snprintf(pidfile, sizeof pidfile, "%s/init.pid", opt_state);
  unlink(pidfile);
  char *argv[16] = {(char *)opt_runtime, "--root", (char *)opt_root, "exec", "--detach", "--pid-file", pidfile,
                    "--process", (char *)opt_exec};
  int ai = 9, console_listen = -1;
  if (opt_tty) {
    console_listen = console_listener();
    argv[ai++] = "--console-socket";
    argv[ai++] = "console.sock";
  }
  argv[ai++] = (char *)opt_id;
  argv[ai] = NULL;
  int in = exec_in_r >= 0 ? exec_in_r : devnull(O_RDONLY);
  int status = run_runtime(argv, in, exec_out_w, exec_err_w);
  close(in);
  exec_in_r = -1;
  close(exec_out_w);
  close(exec_err_w);
  exec_out_w = exec_err_w = -1;
  int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (opt_tty) {
    if (ok) receive_console(console_listen);
    close(console_listen);
    unlink("console.sock");
  }
  if (ok) {
    FILE *f = fopen(pidfile, "r");
    int pid = 0;
    if (f && fscanf(f, "%d", &pid) == 1 && pid > 0) init_pid = pid;
    if (f) fclose(f);
    if (init_pid <= 0) ok = 0, set_fail_msg("", "runtime exec: no pid file");
    else if (opt_tty && console_fd < 0) {
      ok = 0;
      set_fail_msg("", "runtime exec: no console received");
      kill(init_pid, SIGKILL);
    }
  } else {
    /* The process never ran: what is in the pipes is the runtime's error. */
    st = ST_CREATING;
    while (stream_read(&streams[1]) > 0) {
    }
    while (stream_read(&streams[0]) > 0) {
    }
    create_err[create_err_len] = 0;
    char fb[64];
    snprintf(fb, sizeof fb, "runtime exec failed: exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : 255);
    set_fail_msg(create_err, fb);
  }
  if (!ok) {
    logmsg("exec failed: %s", fail_msg);
    st = ST_FAILED;
    /* --run: the daemon is attaching meanwhile; it must hear why (its hello brings the 'f') */
    if (opt_run && client_fd < 0) wait_for_attach();
    else client_send_str('f', fail_msg);
    if (init_pid > 0) return; /* killed above: its exit completes the shutdown */
    exit_code = 255;
    clock_gettime(CLOCK_REALTIME, &finished_at);
    finish();
  }
  if (opt_tty) use_console();
  st = ST_RUNNING;
  char created[64];
  snprintf(created, sizeof created, "{\"pid\":%d}", (int)init_pid);
  client_send_str('c', created);
  client_send('s', NULL, 0);
}

static void do_start(void) {
  if (st != ST_CREATED) return;
  if (opt_exec) {
    do_exec();
    return;
  }
  char *argv[] = {(char *)opt_runtime, "--root", (char *)opt_root, "start", (char *)opt_id, NULL};
  char msg[CREATE_ERR_MAX];
  int status = run_captured(argv, msg, sizeof msg);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    st = ST_RUNNING;
    client_send('s', NULL, 0);
    return;
  }
  set_fail_msg(msg, "runtime start failed");
  logmsg("start failed: %s", fail_msg);
  if (init_pid > 0) kill(init_pid, SIGKILL);
  st = ST_FAILED;
  client_send_str('f', fail_msg);
  /* the init process's exit (SIGCHLD) completes the shutdown */
}

static void handle_frame(unsigned char type, const unsigned char *p, size_t n) {
  switch (type) {
    case 'S':
      if (st == ST_CREATING) start_requested = 1;
      else if (st == ST_CREATED) do_start();
      else if (st == ST_RUNNING) client_send('s', NULL, 0);
      else client_send_str('e', "start: container is not in created state");
      break;
    case 'I':
      if (stdin_w < 0 || stdin_close_requested) {
        stdin_taken += n;
        stdin_ack();
        client_send_str('e', "stdin: not open");
        break;
      }
      if (q_append(&stdin_q, p, n) < 0) {
        stdin_taken += n;
        stdin_ack();
        client_send_str('e', "stdin: out of memory");
        break;
      }
      stdin_flush();
      break;
    case 'C':
      stdin_close_requested = 1;
      stdin_flush();
      if (stdin_w >= 0 && q_size(&stdin_q) == 0) stdin_close();
      break;
    case 'K': {
      char num[16];
      size_t l = n < sizeof num - 1 ? n : sizeof num - 1;
      memcpy(num, p, l);
      num[l] = 0;
      int sig = atoi(num);
      int err = 0;
      if (sig <= 0 || sig > 64) err = EINVAL;
      else if (init_pid <= 0 || st == ST_EXITED || exit_code >= 0) err = ESRCH;
      else if (kill(init_pid, sig) < 0) err = errno;
      char out[16];
      snprintf(out, sizeof out, "%d", err);
      client_send_str('k', out);
      break;
    }
    case 'R':
      if (n == 4 && console_fd >= 0) {
        struct winsize ws = {0};
        ws.ws_row = (unsigned short)((p[0] << 8) | p[1]);
        ws.ws_col = (unsigned short)((p[2] << 8) | p[3]);
        if (ioctl(console_fd, TIOCSWINSZ, &ws) < 0) logmsg("resize: %s", strerror(errno));
      }
      break;
    default:
      client_send_str('e', "unknown request");
  }
}

static void client_readable(void) {
  for (;;) {
    ssize_t r = recv(client_fd, client_in + client_in_len, sizeof client_in - client_in_len, MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      client_drop();
      return;
    }
    if (r == 0) {
      client_drop();
      return;
    }
    client_in_len += (size_t)r;
    size_t off = 0;
    while (client_in_len - off >= 5) {
      const unsigned char *h = (const unsigned char *)client_in + off;
      size_t len = ((size_t)h[1] << 24) | ((size_t)h[2] << 16) | ((size_t)h[3] << 8) | h[4];
      if (len > sizeof client_in - 5) {
        logmsg("frame too large from the daemon (%zu bytes); dropping the connection", len);
        client_drop();
        return;
      }
      if (client_in_len - off < 5 + len) break;
      handle_frame(h[0], h + 5, len);
      if (client_fd < 0) return;
      off += 5 + len;
    }
    memmove(client_in, client_in + off, client_in_len - off);
    client_in_len -= off;
  }
}

/* A new connection stays pending until it says 'A' (attach): only then does it replace the
 * current daemon connection. A mere probe (connect, close) never displaces anyone. */
static int pending_fd = -1;
static unsigned char pending_buf[5];
static size_t pending_len;

static void accept_pending(void) {
  int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return;
  if (pending_fd >= 0) close(pending_fd);
  pending_fd = fd;
  pending_len = 0;
}

static void pending_readable(void) {
  ssize_t r = recv(pending_fd, pending_buf + pending_len, sizeof pending_buf - pending_len, MSG_DONTWAIT);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (r <= 0) {
    close(pending_fd);
    pending_fd = -1;
    return;
  }
  pending_len += (size_t)r;
  if (pending_len < 5) return;
  size_t len = ((size_t)pending_buf[1] << 24) | ((size_t)pending_buf[2] << 16) | ((size_t)pending_buf[3] << 8) | pending_buf[4];
  if (pending_buf[0] != 'A' || len != 0) {
    close(pending_fd);
    pending_fd = -1;
    return;
  }
  if (client_fd >= 0) {
    /* one daemon at a time: the newest wins; tell the old one why it loses the connection */
    unsigned char h[5];
    frame_header(h, 'd', 0);
    if (q_size(&client_out) == 0) (void)send(client_fd, h, 5, MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  client_drop();
  client_fd = pending_fd;
  pending_fd = -1;
  int sz = 4 * 1024 * 1024;
  setsockopt(client_fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
  send_hello();
  if (st == ST_FAILED) client_send_str('f', fail_msg);
}

/* --run: the process runs as soon as the runtime is done; its output must have a reader, so
 * the pipes are not read before the daemon's attach (bounded wait; the daemon connects right
 * after "ready", the connection waits in the listen backlog meanwhile). */
#define ATTACH_WAIT_MS 10000
/* The daemon that started us (our parent until it dies) and our bundle directory as we found it. */
static pid_t starter_pid;
static dev_t bundle_dev;
static ino_t bundle_ino;

/* Can a daemon still attach? Not once the daemon that started us is gone (we were re-parented:
   a restarted one never looks for a shim it did not see start) nor once our bundle directory
   was moved or removed (the container is being removed: shim.sock is no longer where a daemon
   would look). Waiting out ATTACH_WAIT_MS then would only leave us behind. */
static int attach_possible(void) {
  if (getppid() != starter_pid) return 0;
  struct stat sb;
  if (stat(opt_bundle, &sb) < 0 || sb.st_dev != bundle_dev || sb.st_ino != bundle_ino) return 0;
  return 1;
}

static int wait_for_attach(void) {
  long long deadline = now_ms() + ATTACH_WAIT_MS;
  while (client_fd < 0) {
    long long left = deadline - now_ms();
    if (left <= 0 || !attach_possible()) return 0;
    struct pollfd pf[2] = {{listen_fd, POLLIN, 0}, {pending_fd, POLLIN, 0}};
    int r = poll(pf, 2, left < 100 ? (int)left : 100);
    if (r < 0 && errno != EINTR) return 0;
    if (r <= 0) continue;
    if (pending_fd >= 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) pending_readable();
    if (pf[0].revents & POLLIN) accept_pending();
  }
  return 1;
}

/* ---------- main ---------- */

static void usage(void) {
  fprintf(stderr,
          "usage: berth-shim --id ID --bundle DIR --runtime PATH --root STATEDIR [--state SDIR] [--log FILE] [--stdin]\n"
          "                  [--log-max-size BYTES] [--log-max-file N] [--tty] [--run] [--oom-file FILE] [--private-cgroupns-fix] [--exec-process FILE]\n");
  exit(2);
}

static void parse_args(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--stdin")) opt_stdin = 1;
    else if (!strcmp(a, "--tty")) opt_tty = 1;
    else if (!strcmp(a, "--run")) opt_run = 1;
    else if (!strcmp(a, "--private-cgroupns-fix")) opt_cgfix = 1;
    else if (!v) usage();
    else if (!strcmp(a, "--id")) opt_id = v, i++;
    else if (!strcmp(a, "--bundle")) opt_bundle = v, i++;
    else if (!strcmp(a, "--state")) opt_state = v, i++;
    else if (!strcmp(a, "--runtime")) opt_runtime = v, i++;
    else if (!strcmp(a, "--root")) opt_root = v, i++;
    else if (!strcmp(a, "--log")) opt_log = v, i++;
    else if (!strcmp(a, "--log-max-size")) opt_log_max_size = atoll(v), i++;
    else if (!strcmp(a, "--log-max-file")) opt_log_max_file = atoi(v) > 0 ? atoi(v) : 1, i++;
    else if (!strcmp(a, "--oom-file")) opt_oom = v, i++;
    else if (!strcmp(a, "--exec-process")) opt_exec = v, i++;
    else usage();
  }
  if (!opt_id || !opt_bundle || !opt_runtime || !opt_root || opt_bundle[0] != '/') usage();
  if (!opt_state) opt_state = opt_bundle;
  if (opt_state[0] != '/') usage();
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  if (chdir(opt_state) < 0) die("chdir state dir");
  starter_pid = getppid();
  {
    struct stat sb;
    if (stat(opt_bundle, &sb) == 0) bundle_dev = sb.st_dev, bundle_ino = sb.st_ino;
  }
  {
    int fd = open("shim.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      dup2(fd, 2);
      close(fd);
    }
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die("PR_SET_CHILD_SUBREAPER");
  if (opt_cgfix) {
    /* crun refuses hybrid cgroups: give it a mount namespace of its own without the v2 mount.
     * Only the cgroup tmpfs is made private there (so the unmount below cannot reach the host);
     * every other mount keeps its propagation, so a container's rshared/rslave binds see the
     * host's mounts (and the host theirs) as under runc. */
    if (unshare(CLONE_NEWNS) < 0) die("unshare(CLONE_NEWNS)");
    if (mount(NULL, "/sys/fs/cgroup", NULL, MS_PRIVATE, NULL) < 0) die("make /sys/fs/cgroup private");
    if (umount2("/sys/fs/cgroup/unified", MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) die("umount /sys/fs/cgroup/unified");
  }
  init_escapes();
  readbuf = malloc(READ_SIZE);
  logbuf = malloc(LOGBUF_SIZE);
  if (!readbuf || !logbuf) die("malloc");

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) die("sigprocmask");
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");

  unlink("shim.sock");
  listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd < 0) die("socket");
  struct sockaddr_un sa = {0};
  sa.sun_family = AF_UNIX;
  strcpy(sa.sun_path, "shim.sock"); /* relative to our cwd: no 108-byte path limit */
  if (bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind shim.sock");
  chmod("shim.sock", 0600);
  if (listen(listen_fd, 8) < 0) die("listen");

  if (opt_log) {
    log_fd = open(opt_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (log_fd < 0) logmsg("opening log %s: %s (logging disabled)", opt_log, strerror(errno));
    else {
      struct stat lst;
      if (fstat(log_fd, &lst) == 0) log_size = (long long)lst.st_size;
    }
  }

  int outp[2], errp[2], inp[2] = {-1, -1};
  if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) die("pipe");
  if (opt_stdin && pipe2(inp, O_CLOEXEC) < 0) die("pipe");
  fcntl(outp[0], F_SETPIPE_SZ, 1024 * 1024);
  fcntl(errp[0], F_SETPIPE_SZ, 1024 * 1024);
  fcntl(outp[0], F_SETFL, O_NONBLOCK);
  fcntl(errp[0], F_SETFL, O_NONBLOCK);
  streams[0].name = "stdout";
  streams[0].type = 1;
  streams[0].fd = outp[0];
  streams[1].name = "stderr";
  streams[1].type = 2;
  streams[1].fd = errp[0];

  /* Tell the daemon the socket is there, then let go of its pipe. */
  if (write_all(1, "ready\n", 6) < 0) logmsg("stdout: %s", strerror(errno));
  {
    int nul = devnull(O_RDWR);
    dup2(nul, 0);
    dup2(nul, 1);
    close(nul);
  }

  if (opt_exec) {
    /* Nothing to create: the process runs when the daemon says start. */
    exec_out_w = outp[1];
    exec_err_w = errp[1];
    if (opt_stdin && !opt_tty) {
      exec_in_r = inp[0];
      stdin_w = inp[1];
      fcntl(stdin_w, F_SETFL, O_NONBLOCK);
    } else if (opt_stdin) {
      close(inp[0]);
      close(inp[1]);
    }
    st = ST_CREATED;
    if (opt_run) {
      /* run the process now, while the daemon connects; its pipes are read once it attached */
      do_exec();
      if (st == ST_RUNNING && !wait_for_attach()) {
        logmsg("no daemon attached to the shim: killing the exec'd process");
        kill(init_pid, SIGKILL);
      }
    }
  }
  /* runtime create: the container inherits the pipes as its stdio. */
  if (!opt_exec) {
    char pidfile[4096];
    snprintf(pidfile, sizeof pidfile, "%s/init.pid", opt_state);
    unlink(pidfile);
    char *cargv[14] = {(char *)opt_runtime, "--root", (char *)opt_root, "create"};
    int ci = 4;
    if (opt_run) {
      cargv[3] = "run";
      cargv[ci++] = "--detach";
    }
    cargv[ci++] = "--bundle";
    cargv[ci++] = (char *)opt_bundle;
    cargv[ci++] = "--pid-file";
    cargv[ci++] = pidfile;
    int console_listen = -1;
    /* `runtime create` resolves a relative path from the bundle (it chdirs there): with a state
       dir of our own, the socket is named through our cwd's magic link (short: no 108-byte limit) */
    char console_arg[64] = "console.sock";
    if (strcmp(opt_state, opt_bundle) != 0) snprintf(console_arg, sizeof console_arg, "/proc/%d/cwd/console.sock", (int)getpid());
    if (opt_tty) {
      console_listen = console_listener();
      cargv[ci++] = "--console-socket";
      cargv[ci++] = console_arg;
    }
    cargv[ci++] = (char *)opt_id;
    cargv[ci] = NULL;
    int in = opt_stdin && !opt_tty ? inp[0] : devnull(O_RDONLY);
    int status = run_runtime(cargv, in, outp[1], errp[1]);
    close(in);
    close(outp[1]);
    close(errp[1]);
    int runtime_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (opt_tty) {
      if (runtime_ok) receive_console(console_listen);
      close(console_listen);
      unlink("console.sock");
    } else if (opt_stdin) {
      stdin_w = inp[1];
      fcntl(stdin_w, F_SETFL, O_NONBLOCK);
    }
    /* Collect whatever the runtime printed (its error message on failure). With --run the
       process runs once the runtime succeeded: what is in the pipes then is the process's. */
    if (!(opt_run && runtime_ok)) {
      while (stream_read(&streams[1]) > 0) {
      }
      while (stream_read(&streams[0]) > 0) {
      }
    }
    create_err[create_err_len] = 0;
    if (runtime_ok) {
      FILE *f = fopen(pidfile, "r");
      int pid = 0;
      if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 0) {
        if (f) fclose(f);
        set_fail_msg("", "runtime create: no pid file");
      } else {
        fclose(f);
        init_pid = pid;
        st = opt_run ? ST_RUNNING : ST_CREATED;
        if (opt_tty) {
          /* The process's output (stdout and stderr merged) comes from the pty master. */
          if (console_fd < 0) {
            set_fail_msg("", "runtime create: no console received");
            if (opt_run) kill(init_pid, SIGKILL);
            st = ST_FAILED;
          } else {
            use_console();
          }
        }
        if (create_err_len) logmsg("runtime create said: %s", create_err);
        if (st == ST_RUNNING && !wait_for_attach()) {
          /* --run: nobody to hand the output to (the daemon went away): the run is void */
          set_fail_msg("", "no daemon attached to the shim");
          kill(init_pid, SIGKILL);
          st = ST_FAILED;
        }
      }
    } else {
      char fb[64];
      snprintf(fb, sizeof fb, "runtime create failed: exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : 255);
      set_fail_msg(create_err, fb);
    }
    if (st != ST_CREATED && st != ST_RUNNING) {
      st = ST_FAILED;
      exit_code = 255;
      clock_gettime(CLOCK_REALTIME, &finished_at);
      logmsg("create failed: %s", fail_msg);
      stdin_close();
      runtime_delete();
      write_exit_json(0);
      /* a daemon attached already (--run) hears it now; a later one with its hello */
      if (client_fd >= 0) client_send_str('f', fail_msg);
      /* wait (bounded) for a daemon to hear about it */
      long long deadline = now_ms() + FAILED_LINGER_MS;
      for (;;) {
        if (client_fd >= 0) {
          client_flush();
          if (q_size(&client_out) == 0) break;
        }
        long long left = deadline - now_ms();
        if (left <= 0 || (client_fd < 0 && !attach_possible())) break;
        struct pollfd pf[3] = {{listen_fd, POLLIN, 0}, {pending_fd, POLLIN, 0}, {client_fd, POLLOUT, 0}};
        if (poll(pf, 3, left < 100 ? (int)left : 100) > 0) {
          if (pf[0].revents & POLLIN) accept_pending();
          else if (pending_fd >= 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) pending_readable();
        }
      }
      if (client_fd >= 0) shutdown(client_fd, SHUT_WR);
      /* leave a little time for the daemon to read before the socket goes */
      usleep(50 * 1000);
      unlink("shim.sock");
      return 0;
    }
  }
  if (!opt_exec) {
    char created[64];
    snprintf(created, sizeof created, "{\"pid\":%d}", (int)init_pid);
    client_send_str('c', created);
    if (st == ST_RUNNING) client_send('s', NULL, 0);
  }
  if (start_requested) do_start();

  long long drain_deadline = -1;
  for (;;) {
    struct pollfd pf[7];
    int n = 0, i_listen, i_client = -1, i_sig, i_out = -1, i_err = -1, i_in = -1, i_pending = -1;
    int backpressure = client_fd >= 0 && q_size(&client_out) > 0;
    i_sig = n;
    pf[n++] = (struct pollfd){sfd, POLLIN, 0};
    i_listen = n;
    pf[n++] = (struct pollfd){listen_fd, POLLIN, 0};
    if (pending_fd >= 0) {
      i_pending = n;
      pf[n++] = (struct pollfd){pending_fd, POLLIN, 0};
    }
    if (client_fd >= 0) {
      i_client = n;
      pf[n++] = (struct pollfd){client_fd, (short)(POLLIN | (backpressure ? POLLOUT : 0)), 0};
    }
    if (!backpressure && streams[0].fd >= 0 && st != ST_CREATED) {
      i_out = n;
      pf[n++] = (struct pollfd){streams[0].fd, POLLIN, 0};
    }
    if (!backpressure && streams[1].fd >= 0 && st != ST_CREATED) {
      i_err = n;
      pf[n++] = (struct pollfd){streams[1].fd, POLLIN, 0};
    }
    if (stdin_w >= 0 && q_size(&stdin_q) > 0) {
      i_in = n;
      pf[n++] = (struct pollfd){stdin_w, POLLOUT, 0};
    }
    int timeout = -1;
    if (drain_deadline >= 0) {
      long long left = drain_deadline - now_ms();
      if (left <= 0 || (streams[0].eof && streams[1].eof)) finish();
      timeout = (int)left;
    }
    log_flush();
    int r = poll(pf, (nfds_t)n, timeout);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (r == 0) continue;
    if (i_out >= 0 && (pf[i_out].revents & (POLLIN | POLLHUP | POLLERR))) stream_read(&streams[0]);
    if (i_err >= 0 && (pf[i_err].revents & (POLLIN | POLLHUP | POLLERR))) stream_read(&streams[1]);
    if (i_client >= 0 && client_fd >= 0) {
      if (pf[i_client].revents & POLLOUT) client_flush();
      if (client_fd >= 0 && (pf[i_client].revents & (POLLIN | POLLHUP | POLLERR))) client_readable();
    }
    if (i_in >= 0 && (pf[i_in].revents & (POLLOUT | POLLERR | POLLHUP))) stdin_flush();
    if (i_pending >= 0 && pending_fd >= 0 && (pf[i_pending].revents & (POLLIN | POLLHUP | POLLERR))) pending_readable();
    if (pf[i_listen].revents & POLLIN) accept_pending();
    if (pf[i_sig].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) > 0) {
      }
      int status;
      pid_t pid;
      while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid != init_pid) continue; /* an orphan re-parented to us */
        clock_gettime(CLOCK_REALTIME, &finished_at);
        if (WIFEXITED(status)) exit_code = WEXITSTATUS(status);
        else if (WIFSIGNALED(status)) exit_code = 128 + WTERMSIG(status);
        else exit_code = 255;
        if (st != ST_FAILED) st = ST_EXITED;
        stdin_close();
        drain_deadline = now_ms() + DRAIN_MS;
      }
    }
  }
}
