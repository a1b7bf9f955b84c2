/*
 * time.c - RFC 3339 parsing, civil-date arithmetic and local time in a configured zone.
 *
 * The parser is hand-written because it sits on the hot path (one call per event) and
 * the grammar is tiny and fixed; strptime is locale-bound, slow and does not validate
 * offsets. Civil dates use Howard Hinnant's days_from_civil algorithms, exact over the
 * whole proleptic Gregorian calendar.
 *
 * Local time goes through the C library (localtime_r with TZ set to the zone), which
 * reads the system's zoneinfo and so knows every DST rule. Asking it per event is slow,
 * so offsets are cached per 15-minute UTC bucket in a small direct-mapped table: zone
 * transitions fall on quarter hours in every zone in use, so a bucket has one offset.
 */
#include "core/core.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i] - '0';
        if (c > 9)
            return -1;
        v = v * 10 + (int)c;
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

int date_parse(const char *s, size_t n, int32_t *out_day)
{
    int y, m, d;
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *out_day = (int32_t)days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

void date_format(int32_t day, char out[DATE_TEXT_SIZE])
{
    int y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    snprintf(out, DATE_TEXT_SIZE, "%04d-%02u-%02u", y, m, d);
}

int ts_parse_rfc3339(const char *s, size_t n, int64_t *out_ms)
{
    int y, mo, d, h, mi, sec;
    if (n < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':')
        return -1;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
        return -1;
    if (sec == 60) /* a leap second is folded into the last second of the minute */
        sec = 59;
    size_t i = 19;
    int ms = 0;
    if (i < n && s[i] == '.') {
        i++;
        size_t start = i;
        int scale = 100;
        while (i < n && (unsigned)(s[i] - '0') <= 9) {
            ms += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start)
            return -1;
    }
    if (i >= n)
        return -1;
    int off = 0;
    if (s[i] == 'Z' || s[i] == 'z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        int oh, om;
        if (n - i < 6 || s[i + 3] != ':' || digits(s + i + 1, 2, &oh) ||
            digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = (oh * 60 + om) * 60;
        if (s[i] == '-')
            off = -off;
        i += 6;
    } else {
        return -1;
    }
    if (i != n)
        return -1;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - off;
    *out_ms = secs * 1000 + ms;
    return 0;
}

/* ---- zones -------------------------------------------------------------------------- */

enum { TZ_CACHE = 1 << 14, TZ_BUCKET_S = 900 };

struct tz {
    int64_t bucket[TZ_CACHE];
    int32_t offset[TZ_CACHE];
};

struct tz *tz_open(const char *name, struct err *e)
{
    if (name == NULL || *name == '\0' || strstr(name, "..") != NULL || name[0] == '/')
        return err_set(e, "time zone '%s' is not a zone name", name ? name : ""), NULL;
    if (strcmp(name, "UTC") != 0) {
        const char *dir = getenv("TZDIR");
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir ? dir : "/usr/share/zoneinfo", name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            return err_set(e, "time zone '%s' is not known to this system (%s)", name, path), NULL;
    }
    /* The C library holds one zone per process; wachter uses one configured zone. */
    char tzvar[600];
    snprintf(tzvar, sizeof tzvar, ":%s", name);
    setenv("TZ", tzvar, 1);
    tzset();
    struct tz *tz = xmalloc(sizeof *tz);
    for (size_t i = 0; i < TZ_CACHE; i++)
        tz->bucket[i] = INT64_MIN;
    return tz;
}

void tz_free(struct tz *tz)
{
    free(tz);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int32_t tz_offset(struct tz *tz, int64_t utc_ms)
{
    int64_t bucket = floor_div(utc_ms, (int64_t)TZ_BUCKET_S * 1000);
    size_t slot = (size_t)((uint64_t)bucket & (TZ_CACHE - 1));
    if (tz->bucket[slot] != bucket) {
        time_t t = (time_t)(bucket * TZ_BUCKET_S);
        struct tm tm;
        localtime_r(&t, &tm);
        tz->bucket[slot] = bucket;
        tz->offset[slot] = (int32_t)tm.tm_gmtoff;
    }
    return tz->offset[slot];
}

void tz_local(struct tz *tz, int64_t utc_ms, struct local_time *out)
{
    int32_t off = tz_offset(tz, utc_ms);
    int64_t local_s = floor_div(utc_ms, 1000) + off;
    int64_t day = floor_div(local_s, 86400);
    out->day = (int32_t)day;
    out->minute = (int32_t)((local_s - day * 86400) / 60);
    out->wday = (int32_t)(((day % 7) + 7 + 4) % 7);
    out->offset = off;
}

size_t ts_format(struct tz *tz, int64_t utc_ms, char out[32])
{
    struct local_time lt;
    tz_local(tz, utc_ms, &lt);
    int y;
    unsigned m, d;
    civil_from_days(lt.day, &y, &m, &d);
    int64_t local_s = floor_div(utc_ms, 1000) + lt.offset;
    int sec = (int)(local_s - floor_div(local_s, 60) * 60);
    int off = lt.offset < 0 ? -lt.offset : lt.offset;
    int n = snprintf(out, 32, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", y, m, d, lt.minute / 60,
                     lt.minute % 60, sec, lt.offset < 0 ? '-' : '+', off / 3600, (off / 60) % 60);
    return n > 0 ? (size_t)n : 0;
}
