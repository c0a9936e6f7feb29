/*
 * negotiate: the media types the default codecs speak, and Accept
 * negotiation for the default output_fn (CONTRACT.md section 4).
 *
 * Pure functions over the caller's strings: no allocation, no state.  The
 * Python reference is python/hookhost/negotiation.py; both must agree.
 */
#ifndef HOOKHOST_NEGOTIATE_H
#define HOOKHOST_NEGOTIATE_H

#include <stddef.h>

#include "error.h"

/* The order of the non-NONE values is the preference when a wildcard matches
 * several types and the default is not among them. */
enum media_type { MEDIA_NONE = 0, MEDIA_JSON, MEDIA_CSV, MEDIA_NPY, MEDIA_JSONLINES };

/* The media type of a Content-Type (or one Accept element) of length bytes:
 * surrounding spaces/tabs and any ";parameters" stripped, case-insensitive.
 * MEDIA_NONE when it is none of application/json, text/csv,
 * application/x-npy, application/jsonlines (wildcards included). */
enum media_type media_type_parse(const char *value, size_t length);

/* The Content-Type a default encoder answers with: "application/json",
 * "text/csv; charset=utf-8", "application/x-npy", "application/jsonlines";
 * NULL for MEDIA_NONE.  Static storage. */
const char *media_type_response(enum media_type type);

/* (Wildcards are spelt with spaces below, "* / *" and "text/ *", only
 * because C comments cannot hold them; headers carry them without.)
 *
 * Chooses the type to encode for the NUL-terminated Accept header, by the
 * rules of negotiation.py: a comma list of media ranges (type/subtype,
 * type/ *, * / *, a bare * as * / *) with optional ;q= weights read as
 * thousandths (D*[.D*], capped at 1; other parameters ignored; an element
 * with a malformed q is skipped).  Each supported type takes the weight of
 * the most specific range matching it (exact > type/ * > * / *; among equals
 * the first), so q=0 on an exact type excludes it from a wildcard too.  The
 * highest weight wins; ties go to the range listed first; when one range
 * gives several types, default_type comes first if among them, then JSON,
 * CSV, NPY, JSONLINES.  A NULL or blank header, or one holding only "* / *"
 * (empty elements aside), gives default_type (or, when that is MEDIA_NONE,
 * JSON).  On success *chosen is never MEDIA_NONE.  ERR_NOT_ACCEPTABLE, with
 * negotiation.py's message quoting the header, when no supported type has a
 * weight above 0; *chosen is then untouched. */
enum error_code accept_negotiate(const char *accept, enum media_type default_type, enum media_type *chosen,
                                 struct error *err);

/* accept_negotiate with the configured default as text, exactly as
 * negotiation.negotiate(accept, default=default_accept) does: a header that
 * means "the default" is replaced by default_accept itself (which may be a
 * list, or a type we do not produce: then ERR_NOT_ACCEPTABLE), and a blank or
 * "* / *" default_accept by "* / *".  NULL default_accept is blank. */
enum error_code accept_negotiate_default(const char *accept, const char *default_accept, enum media_type *chosen,
                                         struct error *err);

#endif
