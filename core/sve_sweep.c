// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm sve sweep`'s pure parts: the sets to run (--sets), what a run's
 * wait status means, and the last line of its output.
 */
#include <lkvm/sve_sweep.h>

#include <lkvm/parse.h>
#include <lkvm/sandbox.h>

#include <errno.h>
#include <string.h>

/* lkvm sandbox reports a command killed by signal N as 128 + N, N <= 64. */
#define SANDBOX_SIGNAL_MAX 64

int sweep_sets_parse(const char *text, struct sweep_sets *s, char *err,
		     size_t err_len)
{
	const char *p = text;

	memset(s, 0, sizeof(*s));
	if (!strcmp(text, "all")) {
		s->kind = SWEEP_SETS_ALL;
		return 0;
	}
	if (!strcmp(text, "max-only")) {
		s->kind = SWEEP_SETS_MAX_ONLY;
		return 0;
	}
	s->kind = SWEEP_SETS_LIST;
	for (;;) {
		size_t len = strcspn(p, ";");
		char *item;

		if (!len)
			return parse_error(err, err_len,
				    "empty set in '%s' (expected all, max-only, or --sve-vls values separated by ';')",
				    text);
		if (s->nr == SWEEP_MAX_SETS)
			return parse_error(err, err_len, "more than %u sets",
					   SWEEP_MAX_SETS);
		if (len >= SWEEP_ITEM_MAX)
			return parse_error(err, err_len,
				    "'%.*s...' is too long for a set", 16, p);
		item = s->items[s->nr];
		memcpy(item, p, len);
		item[len] = '\0';
		if (sve_spec_parse(item, &s->specs[s->nr], err, err_len))
			return -EINVAL;
		s->nr++;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

int sweep_sets_resolve(const struct sweep_sets *s, sve_vqset host,
		       sve_vqset out[SWEEP_MAX_SETS], char *why,
		       size_t why_len)
{
	char reason[SVE_WHY_MAX];

	host &= SVE_VQSET_ALL;
	if (s->kind == SWEEP_SETS_ALL)
		return (int)sve_possible_sets(host, out);
	if (s->kind == SWEEP_SETS_MAX_ONLY) {
		out[0] = host;
		return 1;
	}
	for (unsigned int i = 0; i < s->nr; i++) {
		if (sve_spec_resolve(&s->specs[i], host, &out[i], reason,
				     sizeof(reason))) {
			snprintf(why, why_len, "--sve-vls=%s is %s",
				 s->items[i], reason);
			return -EINVAL;
		}
	}
	return (int)s->nr;
}

static bool blank(const char *s)
{
	return !s[strspn(s, " ")];
}

void sweep_last_line_feed(struct sweep_last_line *l, const char *buf,
			  size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n' || c == '\r') {
			l->cur[l->cur_len] = '\0';
			if (!blank(l->cur))
				memcpy(l->last, l->cur, l->cur_len + 1);
			l->cur_len = 0;
		} else if (l->cur_len < SWEEP_LINE_MAX) {
			l->cur[l->cur_len++] = c == '\t' ? ' ' :
					       c < 0x20 || c > 0x7e ? '?' :
								      (char)c;
		}
	}
	l->cur[l->cur_len] = '\0';
}

const char *sweep_last_line(const struct sweep_last_line *l)
{
	return blank(l->cur) ? l->last : l->cur;
}

void sweep_run_classify(struct sweep_run *run, bool killed, int code)
{
	if (killed) {
		run->exit_status = -1;
		run->signal = code;
		run->result = SWEEP_FAIL;
		return;
	}
	run->exit_status = code;
	run->signal = 0;
	if (code > 128 && code <= 128 + SANDBOX_SIGNAL_MAX)
		run->signal = code - 128;
	run->result = code ? SWEEP_FAIL : SWEEP_PASS;
}

void sweep_signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "signal %d", sig);
}

void sweep_run_status_text(const struct sweep_run *run, char *buf,
			   size_t len)
{
	char sig[32];

	if (run->result == SWEEP_NOT_RUN) {
		snprintf(buf, len, "not run");
		return;
	}
	sweep_signal_name(run->signal, sig, sizeof(sig));
	if (run->exit_status < 0)
		snprintf(buf, len, "killed (%s)", sig);
	else if (run->exit_status == SANDBOX_EXIT_SETUP)
		snprintf(buf, len, "exit %d (not started)", run->exit_status);
	else if (run->exit_status == SANDBOX_EXIT_NO_STATUS)
		snprintf(buf, len, "exit %d (no status)", run->exit_status);
	else if (run->signal)
		snprintf(buf, len, "exit %d (%s)", run->exit_status, sig);
	else
		snprintf(buf, len, "exit %d", run->exit_status);
}

const char *sweep_set_text(sve_vqset set, char *buf, size_t len)
{
	if (!set) {
		snprintf(buf, len, "off");
		return buf;
	}
	return sve_vqset_format(set, buf, len);
}

void sweep_log_name(unsigned int index, sve_vqset set, char *buf, size_t len)
{
	char s[SVE_VQSET_STR_MAX];

	snprintf(buf, len, "%02u-%s.log", index + 1,
		 sweep_set_text(set, s, sizeof(s)));
}
