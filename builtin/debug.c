// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm debug -n NAME | -a  [--dump [--json]] [--sysrq KEY]`: every
 * vcpu's whole register file (the VM pauses for the moment it takes to
 * read it), and magic SysRq on the guest's serial console.
 */
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

static const char debug_usage_line[] =
	"lkvm debug [--all] [-n name] [--dump [--json]] [--sysrq key]";

static const struct opt debug_options[] = {
	CONTROL_OPT_NAME,
	CONTROL_OPT_ALL,
	{ OPT_FLAG, 'd', "dump", NULL,
	  "Print every vcpu's registers (KVM_GET_REG_LIST)", control_opt_dump },
	{ OPT_FLAG, 0, "json", NULL, "With --dump: JSON instead of text",
	  control_opt_json },
	{ OPT_VALUE, 's', "sysrq", "key",
	  "Send magic SysRq KEY to the guest's serial console",
	  control_opt_sysrq },
	OPT_TABLE_END,
};

static void print_usage(FILE *out)
{
	const struct opt *tables[] = { debug_options, NULL };

	opt_usage(out, debug_usage_line, tables);
}

void debug_usage(void)
{
	print_usage(stdout);
}

struct debug_ctx {
	const struct control_args *a;
	unsigned int printed;	/* VMs dumped so far (JSON array commas) */
};

static void print_header(FILE *out, const struct ipc_info *info,
			 enum reg_format fmt)
{
	char vqs[SVE_VQSET_STR_MAX];
	unsigned int max_bits = sve_vqset_max_vq(info->sve_vqs) * 128;

	sve_vqset_format(info->sve_vqs, vqs, sizeof(vqs));
	if (fmt == REG_FORMAT_JSON) {
		fputs("{\"name\":", out);
		json_print_string(out, info->name);
		fprintf(out, ",\"pid\":%u,\"state\":\"%s\",\"sve_vector_lengths\":[%s],\"sve_max_bits\":%u,\"vcpus\":[",
			info->pid, ipc_state_name(info->state),
			info->sve_vqs ? vqs : "", max_bits);
		return;
	}
	fprintf(out, "VM %s (pid %u, %s): %u vcpu%s, %llu MiB, ", info->name,
		info->pid, ipc_state_name(info->state), info->nr_vcpus,
		info->nr_vcpus == 1 ? "" : "s",
		(unsigned long long)(info->ram_bytes >> 20));
	if (info->sve_vqs)
		fprintf(out, "SVE vector lengths %s bits; Z, P and FFR shown at %u bits\n\n",
			vqs, max_bits);
	else
		fprintf(out, "no SVE\n\n");
}

/*
 * Reads the frames of one dump into @out: INFO, then exactly nr_vcpus
 * VCPU frames numbered 0, 1, ..., then END. Returns 0 or -errno with
 * c->err set.
 */
static int receive_dump(struct ipc_client *c, FILE *out, enum reg_format fmt)
{
	struct ipc_info info;
	int ret = ipc_client_call(c, IPC_REQ_DUMP, NULL, 0, IPC_REP_INFO,
				  IPC_DUMP_TIMEOUT_MS);

	if (!ret && ipc_info_decode(c->rd.payload, c->rd.hdr.len, &info))
		ret = -EPROTO;
	if (ret)
		return ret;
	print_header(out, &info, fmt);
	for (uint32_t i = 0; i < info.nr_vcpus; i++) {
		struct reg_set set;

		reg_set_init(&set, 0);
		ret = ipc_client_recv(c, IPC_DUMP_TIMEOUT_MS);
		if (ret)
			return ret;
		if (c->rd.hdr.type != IPC_REP_VCPU ||
		    ipc_vcpu_decode(c->rd.payload, c->rd.hdr.len, &set) ||
		    set.vcpu != i) {
			reg_set_free(&set);
			return -EPROTO;
		}
		reg_set_sort(&set);
		if (fmt == REG_FORMAT_JSON && i)
			fputc(',', out);
		reg_set_print(out, &set, fmt, false);
		if (fmt == REG_FORMAT_TEXT)
			fputc('\n', out);
		reg_set_free(&set);
	}
	ret = ipc_client_recv(c, IPC_DUMP_TIMEOUT_MS);
	if (!ret && c->rd.hdr.type != IPC_REP_END)
		ret = -EPROTO;
	if (fmt == REG_FORMAT_JSON)
		fputs("]}", out);
	return ret;
}

/* The whole dump is collected first: a failure must not print half. */
static int dump_one(struct ipc_client *c, struct debug_ctx *d)
{
	enum reg_format fmt = d->a->json ? REG_FORMAT_JSON : REG_FORMAT_TEXT;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int ret;

	if (!mem) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return -ENOMEM;
	}
	c->err[0] = '\0';
	ret = receive_dump(c, mem, fmt);
	fclose(mem);
	if (ret == -EPROTO && !c->err[0])
		snprintf(c->err, sizeof(c->err),
			 "VM '%s' sent a malformed register dump", c->name);
	if (!ret) {
		if (fmt == REG_FORMAT_JSON && d->a->all)
			fputs(d->printed ? "," : "", stdout);
		fwrite(text, 1, len, stdout);
		d->printed++;
	}
	free(text);
	return ret;
}

/* Confirmed on stdout unless stdout is reserved for JSON. */
static int sysrq_one(struct ipc_client *c, const char *key, bool quiet)
{
	int ret = ipc_client_call(c, IPC_REQ_SYSRQ, key, 1, IPC_REP_DONE,
				  IPC_TIMEOUT_MS);

	if (!ret && !quiet)
		printf("%s: sysrq '%c' sent\n", c->name, key[0]);
	return ret;
}

static int debug_one(const char *name, void *ctx)
{
	struct debug_ctx *d = ctx;
	struct ipc_client c;
	int ret = control_connect(&c, name, d->a);

	if (ret)
		return ret < 0;
	if (d->a->sysrq)
		ret = sysrq_one(&c, d->a->sysrq, d->a->json);
	/* One request per connection: the dump needs a second one. */
	if (!ret && d->a->dump) {
		ipc_client_close(&c);
		ret = control_connect(&c, name, d->a);
		if (ret) {
			ipc_client_close(&c);
			return ret < 0;
		}
		ret = dump_one(&c, d);
	}
	if (ret)
		pr_err("debug %s: %s", name, c.err);
	ipc_client_close(&c);
	return ret != 0;
}

int cmd_debug(int argc, char **argv)
{
	struct control_args a;
	struct debug_ctx d = { .a = &a };
	int ret = control_args_parse(debug_options, debug_usage_line, argc,
				     argv, &a, true);

	if (ret >= 0)
		return ret;
	if ((!a.dump && !a.sysrq) || (a.json && !a.dump)) {
		fprintf(stderr, "  Error: %s\n",
			a.json ? "--json goes with --dump" :
				 "say what to do: --dump and/or --sysrq KEY");
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (a.dump && a.json && a.all)
		putchar('[');
	ret = control_for_each(&a, debug_one, &d);
	if (a.dump && a.json && a.all)
		printf("]\n");
	else if (a.dump && a.json && d.printed)
		putchar('\n');
	return ret;
}
