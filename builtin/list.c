// SPDX-License-Identifier: GPL-2.0
/* `lkvm list [--json]`: the VMs running under this user. */
#include "control_args.h"

#include <lkvm/builtin.h>
#include <lkvm/ipc_client.h>
#include <lkvm/json.h>
#include <lkvm/log.h>
#include <lkvm/reg_set.h>
#include <lkvm/sve_vls.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char list_usage_line[] = "lkvm list [--json]";

static const struct opt list_options[] = {
	{ OPT_FLAG, 0, "json", NULL, "One JSON array instead of a table",
	  control_opt_json },
	/* kvmtool's: it lists instances; so does this, always. */
	{ OPT_FLAG, 'i', "vm", NULL, "List running instances (the default)",
	  control_opt_all },
	OPT_TABLE_END,
};

void list_usage(void)
{
	const struct opt *tables[] = { list_options, NULL };

	opt_usage(stdout, list_usage_line, tables);
}

struct vm_row {
	struct ipc_info info;	/* valid when answered */
	bool answered;
	const char *state;	/* "running", ..., or why there is no answer */
};

/* Asks one VM; false when it is gone (stale, or stopped meanwhile). */
static bool query(const char *name, struct vm_row *row)
{
	struct ipc_client c;
	int ret = ipc_client_open(&c, name);

	memset(row, 0, sizeof(*row));
	snprintf(row->info.name, sizeof(row->info.name), "%s", name);
	if (ret) {
		if (ret == -ECONNREFUSED)
			pr_info("%s", c.err);
		else if (ret != -ENOENT)
			pr_warn("%s", c.err);
		ipc_client_close(&c);
		return false;
	}
	row->info.pid = c.pid;
	ret = ipc_client_call(&c, IPC_REQ_INFO, NULL, 0, IPC_REP_INFO,
			      IPC_TIMEOUT_MS);
	if (!ret && ipc_info_decode(c.rd.payload, c.rd.hdr.len, &row->info))
		ret = -EPROTO;
	ipc_client_close(&c);
	if (ret == -ECONNRESET)
		return false;	/* it closed without answering: stopping */
	if (!ret && strcmp(row->info.name, name))
		ret = -EPROTO;	/* an impostor, or a renamed socket */
	if (ret) {
		pr_warn("%s: %s", name, ret == -EPROTO && !c.err[0] ?
					       "malformed reply" : c.err);
		snprintf(row->info.name, sizeof(row->info.name), "%s", name);
		row->info.pid = c.pid;
		row->state = ret == -ETIMEDOUT ? "unresponsive" : "unknown";
		return true;
	}
	row->answered = true;
	row->state = ipc_state_name(row->info.state);
	return true;
}

/* "128-2048", "128,256", "128-512,1024": runs of three or more joined. */
static void vq_ranges(sve_vqset set, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (!set) {
		snprintf(buf, len, "none");
		return;
	}
	for (unsigned int vq = 1; vq <= SVE_NR_VQS && n < len; vq++) {
		unsigned int end = vq;

		if (!(set & SVE_VQ_BIT(vq)))
			continue;
		while (end < SVE_NR_VQS && (set & SVE_VQ_BIT(end + 1)))
			end++;
		if (end - vq >= 2) {
			n += (size_t)snprintf(buf + n, len - n, "%s%u-%u",
					      n ? "," : "", vq * 128, end * 128);
			vq = end;
		} else {
			n += (size_t)snprintf(buf + n, len - n, "%s%u",
					      n ? "," : "", vq * 128);
		}
	}
}

static void format_mem(uint64_t bytes, char *buf, size_t len)
{
	if (bytes && !(bytes % (1ULL << 30)))
		snprintf(buf, len, "%lluG", (unsigned long long)(bytes >> 30));
	else
		snprintf(buf, len, "%lluM", (unsigned long long)(bytes >> 20));
}

static void format_uptime(uint64_t ms, char *buf, size_t len)
{
	uint64_t s = ms / 1000;

	snprintf(buf, len, "%llu:%02u:%02u", (unsigned long long)(s / 3600),
		 (unsigned int)(s / 60 % 60), (unsigned int)(s % 60));
}

static void print_table(const struct vm_row *rows, size_t nr)
{
	int w = 4;

	for (size_t i = 0; i < nr; i++)
		w = MAX(w, (int)strlen(rows[i].info.name));
	printf("%-*s %7s  %-8s %5s %7s  %-14s %s\n", w, "NAME", "PID", "STATE",
	       "VCPUS", "MEMORY", "SVE (bits)", "UPTIME");
	for (size_t i = 0; i < nr; i++) {
		const struct vm_row *r = &rows[i];
		char pid[16] = "-", mem[24], sve[96], up[32];

		if (r->info.pid)
			snprintf(pid, sizeof(pid), "%u", r->info.pid);
		if (!r->answered) {
			printf("%-*s %7s  %s\n", w, r->info.name, pid, r->state);
			continue;
		}
		format_mem(r->info.ram_bytes, mem, sizeof(mem));
		vq_ranges(r->info.sve_vqs, sve, sizeof(sve));
		format_uptime(r->info.uptime_ms, up, sizeof(up));
		printf("%-*s %7s  %-8s %5u %7s  %-14s %s\n", w, r->info.name,
		       pid, r->state, r->info.nr_vcpus, mem, sve, up);
	}
}

static void print_json(const struct vm_row *rows, size_t nr)
{
	putchar('[');
	for (size_t i = 0; i < nr; i++) {
		const struct vm_row *r = &rows[i];
		char vqs[SVE_VQSET_STR_MAX];

		printf("%s{\"name\":", i ? "," : "");
		json_print_string(stdout, r->info.name);
		if (r->info.pid)
			printf(",\"pid\":%u", r->info.pid);
		else
			printf(",\"pid\":null");
		printf(",\"state\":\"%s\"", r->state);
		if (r->answered) {
			sve_vqset_format(r->info.sve_vqs, vqs, sizeof(vqs));
			printf(",\"vcpus\":%u,\"memory_bytes\":%llu,\"sve_vector_lengths\":[%s],\"uptime_ms\":%llu",
			       r->info.nr_vcpus,
			       (unsigned long long)r->info.ram_bytes,
			       r->info.sve_vqs ? vqs : "",
			       (unsigned long long)r->info.uptime_ms);
		}
		putchar('}');
	}
	printf("]\n");
}

int cmd_list(int argc, char **argv)
{
	struct control_args a;
	struct ipc_names names;
	struct vm_row *rows;
	size_t nr = 0;
	int ret = control_args_parse(list_options, list_usage_line, argc, argv,
				     &a, false);

	if (ret >= 0)
		return ret;
	ret = ipc_list_names(&names);
	if (ret == -ENOENT) {
		pr_err("HOME is not set: cannot find $HOME/.lkvm");
		return 1;
	}
	if (ret) {
		pr_err("cannot read $HOME/.lkvm: %s", strerror(-ret));
		return 1;
	}
	rows = calloc(names.nr ? names.nr : 1, sizeof(*rows));
	if (!rows) {
		ipc_names_free(&names);
		pr_err("out of memory");
		return 1;
	}
	for (size_t i = 0; i < names.nr; i++)
		if (query(names.names[i], &rows[nr]))
			nr++;
	if (a.json)
		print_json(rows, nr);
	else
		print_table(rows, nr);
	free(rows);
	ipc_names_free(&names);
	return 0;
}
