/*
 * log: one record = one write(2) to stderr.
 *
 * A record is one or more lines, each "2026-11-21T23:59:00.123Z INFO
 * [master 1234] message": UTC time with milliseconds, level name, role and
 * pid.  The master and every worker share the container's stderr (usually a
 * pipe), so a record is built in a fixed buffer of LOG_RECORD_MAX bytes
 * (PIPE_BUF on Linux) and written with a single write(2): the kernel keeps
 * such writes whole, and lines of different processes never interleave.
 * Longer records are cut and end in "..."; nothing is ever allocated.
 *
 * Safe from several threads (each record is built on the caller's stack);
 * not async-signal-safe (it formats with vsnprintf).  errno is preserved.
 */
#ifndef HOOKHOST_LOG_H
#define HOOKHOST_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Python logging's numbers, so SAGEMAKER_CONTAINER_LOG_LEVEL means the same. */
#define LOG_DEBUG 10
#define LOG_INFO 20
#define LOG_WARNING 30
#define LOG_ERROR 40
#define LOG_CRITICAL 50

#define LOG_RECORD_MAX 4096 /* bytes per write(2): PIPE_BUF, so writes stay atomic */
#define LOG_ROLE_MAX 32     /* longer roles are cut */

/* Sets the threshold (records below it are dropped) and the role shown in
 * brackets, e.g. "master" or "worker-1"; records go to fd 2.  Until called,
 * the level is INFO and the role "hookhost". */
void log_setup(int level, const char *role);

/* log_setup, writing to fd instead of 2 (tests; fd stays the caller's). */
void log_setup_fd(int level, const char *role, int fd);

/* Writes one record if level is enabled; a message holding newlines becomes
 * several prefixed lines in the same write.  A trailing newline is dropped. */
void log_write(int level, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* True when a record at level would be written (to skip costly formatting). */
bool log_enabled(int level);

/* Logs text that may hold many lines (user output, tracebacks, pip output):
 * each line (LF or CRLF ended; a final unterminated line counts) gets the
 * prefix.  Lines are packed into as few writes as fit LOG_RECORD_MAX, never
 * splitting a line; a line too long for one record is cut with "...".
 * text need not be NUL-terminated; length 0 writes nothing. */
void log_lines(int level, const char *text, size_t length);

/* "DEBUG", "INFO", "WARNING", "ERROR" or "CRITICAL": the name of the highest
 * standard level at or below level (below DEBUG: "DEBUG"). */
const char *log_level_name(int level);

#endif
