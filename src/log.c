/*
 * log: records built in a fixed stack buffer and written with one write(2).
 *
 * The prefix (time, level, role, pid) is formatted once per record and
 * repeated on every line of it.  The pid is read at each record rather than
 * cached, so a child that logs before its own log_setup still shows its pid.
 * Time comes from gmtime_r and is printed digit by digit: no locale, no
 * strftime, no time zone files.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The one piece of process state in hookhost.  Every module logs, including
 * libevent and CPython callbacks that cannot carry a context argument; the
 * values are set once at start (log_setup) and only read afterwards. */
static struct log_state {
    int level;                /* records below this are dropped */
    int fd;                   /* where records go: 2 outside tests */
    char role[LOG_ROLE_MAX];  /* "master", "worker-3", ... */
} log_state = { LOG_INFO, 2, "hookhost" };

/* Enough for "2026-11-21T23:59:00.123Z CRITICAL [<role> <pid>] ". */
#define LOG_PREFIX_MAX (64 + LOG_ROLE_MAX)

static const char log_truncated[] = "...";

const char *log_level_name(int level)
{
    if (level >= LOG_CRITICAL)
        return "CRITICAL";
    if (level >= LOG_ERROR)
        return "ERROR";
    if (level >= LOG_WARNING)
        return "WARNING";
    if (level >= LOG_INFO)
        return "INFO";
    return "DEBUG";
}

void log_setup_fd(int level, const char *role, int fd)
{
    log_state.level = level;
    log_state.fd = fd;
    snprintf(log_state.role, sizeof log_state.role, "%s", role != NULL ? role : "hookhost");
}

void log_setup(int level, const char *role)
{
    log_setup_fd(level, role, 2);
}

bool log_enabled(int level)
{
    return level >= log_state.level;
}

/* Formats the line prefix into prefix (LOG_PREFIX_MAX bytes) and returns its
 * length. */
static size_t log_prefix(int level, char *prefix)
{
    struct timespec now;
    struct tm utc;
    int length;

    if (clock_gettime(CLOCK_REALTIME, &now) != 0) {
        now.tv_sec = 0;
        now.tv_nsec = 0;
    }
    if (gmtime_r(&now.tv_sec, &utc) == NULL)
        memset(&utc, 0, sizeof utc);
    length = snprintf(prefix, LOG_PREFIX_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s [%s %ld] ",
                      utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                      (int)(now.tv_nsec / 1000000), log_level_name(level), log_state.role, (long)getpid());
    if (length < 0)
        return 0;
    return (size_t)length < LOG_PREFIX_MAX ? (size_t)length : LOG_PREFIX_MAX - 1;
}

/* Writes all of data, retrying on EINTR and short writes.  Errors are
 * dropped: there is nowhere left to report a failing stderr. */
static void log_flush(const char *data, size_t length)
{
    while (length > 0) {
        ssize_t written = write(log_state.fd, data, length);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        data += written;
        length -= (size_t)written;
    }
}

/* Appends "<prefix><line>\n" to record (holding *used bytes) when that
 * leaves reserve bytes free.  Otherwise appends as much of the line as leaves
 * room for "...\n" and returns false; cut forces that marker even when the
 * line fits (its text was cut earlier).  A line followed by more lines of the
 * same record reserves room for the marker line, so a cut always shows. */
static bool log_append_line(char *record, size_t *used, const char *prefix, size_t prefix_length,
                            const char *line, size_t line_length, bool cut, size_t reserve)
{
    size_t room = LOG_RECORD_MAX - *used;
    size_t marker = sizeof log_truncated - 1;
    bool fits;

    if (line_length > 0 && line[line_length - 1] == '\r')
        line_length--;
    fits = prefix_length + line_length + 1 + reserve <= room;
    if (fits && !cut) {
        memcpy(record + *used, prefix, prefix_length);
        memcpy(record + *used + prefix_length, line, line_length);
        record[*used + prefix_length + line_length] = '\n';
        *used += prefix_length + line_length + 1;
        return true;
    }
    /* Cut: the prefix always fits an empty record, since LOG_RECORD_MAX is
     * far larger than LOG_PREFIX_MAX; in a non-empty one it may not. */
    if (prefix_length + marker + 1 > room)
        return false;
    if (line_length > room - prefix_length - marker - 1)
        line_length = room - prefix_length - marker - 1;
    memcpy(record + *used, prefix, prefix_length);
    memcpy(record + *used + prefix_length, line, line_length);
    memcpy(record + *used + prefix_length + line_length, log_truncated, marker);
    record[*used + prefix_length + line_length + marker] = '\n';
    *used += prefix_length + line_length + marker + 1;
    return false;
}

void log_write(int level, const char *format, ...)
{
    char message[LOG_RECORD_MAX];
    char record[LOG_RECORD_MAX];
    char prefix[LOG_PREFIX_MAX];
    size_t prefix_length, message_length, used = 0, start = 0;
    bool message_cut;
    int saved_errno = errno;
    int length;
    va_list args;

    if (!log_enabled(level))
        return;
    va_start(args, format);
    length = vsnprintf(message, sizeof message, format, args);
    va_end(args);
    if (length < 0) {
        snprintf(message, sizeof message, "(unprintable log message: %s)", format);
        length = (int)strlen(message);
    }
    message_cut = (size_t)length >= sizeof message;
    message_length = message_cut ? sizeof message - 1 : (size_t)length;
    if (message_length > 0 && message[message_length - 1] == '\n' && !message_cut)
        message_length--;

    prefix_length = log_prefix(level, prefix);
    for (;;) {
        const char *newline = memchr(message + start, '\n', message_length - start);
        size_t end = newline != NULL ? (size_t)(newline - message) : message_length;
        bool last = newline == NULL;
        if (!log_append_line(record, &used, prefix, prefix_length, message + start, end - start,
                             last && message_cut, last ? 0 : prefix_length + sizeof log_truncated))
            break;
        if (last)
            break;
        start = end + 1;
    }
    log_flush(record, used);
    errno = saved_errno;
}

void log_lines(int level, const char *text, size_t length)
{
    char record[LOG_RECORD_MAX];
    char prefix[LOG_PREFIX_MAX];
    size_t prefix_length, used = 0, start = 0;
    int saved_errno = errno;

    if (length == 0 || !log_enabled(level))
        return;
    prefix_length = log_prefix(level, prefix);
    while (start < length) {
        const char *newline = memchr(text + start, '\n', length - start);
        size_t end = newline != NULL ? (size_t)(newline - text) : length;
        size_t line_length = end - start;

        /* Whole lines only: a line that does not fit what is left goes to
         * the next write; one that fits no record is cut in its own. */
        if (used > 0 && prefix_length + line_length + 1 > LOG_RECORD_MAX - used) {
            log_flush(record, used);
            used = 0;
        }
        log_append_line(record, &used, prefix, prefix_length, text + start, line_length, false, 0);
        start = end + 1;
    }
    log_flush(record, used);
    errno = saved_errno;
}
