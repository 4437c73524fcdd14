#include "harness.h"

#include <lkvm/run_options.h>

#include <lkvm/arm/arm.h>

#include <lkvm/log.h>

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(cfg, args, ...) \
	run_options_parse(cfg, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), args)

/* A config at its defaults, freeing what @cfg held (zeroed at first). */
static void fresh(struct vm_config *cfg)
{
	vm_config_release(cfg);
	CHECK_EQ(vm_config_init(cfg), 0);
}

static void test_long_forms(void)
{
	struct vm_config cfg = { 0 };
	struct opt_args args;

	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "--kernel=Image", "--initrd", "rd.gz",
		       "--params", "console=hvc0 quiet", "--cpus=4",
		       "--mem", "1G", "--name", "vm-1", "--nodefaults",
		       "--loglevel=warning", "--irqchip=gicv3", "--pmu",
		       "--ptrauth", "off", "--network", "mode=none"),
		 OPT_OK);
	CHECK_STR(cfg.kernel, "Image");
	CHECK_STR(cfg.initrd, "rd.gz");
	CHECK_STR(cfg.params, "console=hvc0 quiet");
	CHECK_EQ(cfg.nr_cpus, 4);
	CHECK_EQ(cfg.ram_size, 1ULL << 30);
	CHECK_STR(cfg.name, "vm-1");
	CHECK(cfg.nodefaults);
	CHECK_EQ(cfg.loglevel, LOG_WARNING);
	CHECK_EQ(cfg.arch->irqchip, IRQCHIP_GICV3);
	CHECK(cfg.arch->pmu);
	CHECK_EQ(cfg.arch->ptrauth, FEATURE_OFF);
	CHECK(cfg.net.none);
	opt_args_free(&args);
	vm_config_release(&cfg);
}

/* --e2h0 is EL2 without VHE: it implies --nested. */
static void test_nested(void)
{
	struct vm_config cfg = { 0 };
	struct opt_args args;

	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "--kernel", "Image"), OPT_OK);
	CHECK(!cfg.arch->nested && !cfg.arch->e2h0);
	opt_args_free(&args);
	vm_config_release(&cfg);

	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "--nested", "--kernel", "Image"), OPT_OK);
	CHECK(cfg.arch->nested && !cfg.arch->e2h0);
	opt_args_free(&args);
	vm_config_release(&cfg);

	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "--e2h0", "--kernel", "Image"), OPT_OK);
	CHECK(cfg.arch->nested && cfg.arch->e2h0);
	opt_args_free(&args);
	vm_config_release(&cfg);
}

static void test_short_forms_and_positional(void)
{
	struct vm_config cfg = { 0 };
	struct opt_args args;

	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "-c2", "-m", "256", "Image.flat", "-p",
		       "x=1"),
		 OPT_OK);
	CHECK_EQ(cfg.nr_cpus, 2);
	CHECK_EQ(cfg.ram_size, 256ULL << 20);
	CHECK_STR(cfg.kernel, "Image.flat");
	CHECK_STR(cfg.params, "x=1");
	opt_args_free(&args);
	vm_config_release(&cfg);
}

static void test_defaults(void)
{
	struct vm_config cfg = { 0 };

	fresh(&cfg);
	CHECK_EQ(cfg.nr_cpus, 0);
	CHECK_EQ(cfg.ram_size, 0);
	CHECK(!strncmp(cfg.name, "guest-", 6));
	CHECK_EQ(cfg.console, CONSOLE_SERIAL);
	CHECK_EQ(cfg.arch->irqchip, IRQCHIP_AUTO);
	CHECK_EQ(cfg.loglevel, LOG_INFO);
	CHECK(!cfg.nodefaults);
	vm_config_release(&cfg);
}

static void test_unknown_and_missing(void)
{
	struct vm_config cfg = { 0 };
	struct opt_args args;

	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "--frobnicate"), OPT_UNKNOWN);
	CHECK_EQ(PARSE(&cfg, &args, "-Z"), OPT_UNKNOWN);
	CHECK_EQ(PARSE(&cfg, &args, "--kernel"), OPT_UNKNOWN);
	CHECK_EQ(PARSE(&cfg, &args, "-k"), OPT_UNKNOWN);
	CHECK_EQ(PARSE(&cfg, &args, "--pmu=yes"), OPT_UNKNOWN);
	/* Two kernels: the second positional argument is refused. */
	CHECK_EQ(PARSE(&cfg, &args, "a", "b"), OPT_UNKNOWN);
	/* -k given: a positional argument is not a kernel either. */
	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "-k", "a", "b"), OPT_UNKNOWN);
	vm_config_release(&cfg);
}

static void test_bad_values(void)
{
	struct vm_config cfg = { 0 };
	struct opt_args args;

	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "-c", "0"), OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "-c", "4097"), OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "-m", "3"), OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "-m", "1025K"), OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "-m", "0"), OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "--loglevel", "chatty"), OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "--irqchip", "gicv3-its"), OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "--network", "mode=carrier-pigeon"), OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "--network", "tap"), OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "--name", ""), OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "--name", "../x"), OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "--name", ".hidden"), OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "--console", "vga"), OPT_BAD_VALUE);
	vm_config_release(&cfg);
}

static void test_dashdash(void)
{
	struct vm_config cfg = { 0 };
	struct opt_args args;

	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "-k", "Image", "--", "/bin/sh", "-c",
		       "exit 3"),
		 OPT_OK);
	CHECK(args.saw_dashdash);
	CHECK_EQ(args.nr_rest, 3);
	CHECK_STR(args.rest[0], "/bin/sh");
	CHECK_STR(args.rest[1], "-c");
	opt_args_free(&args);
	vm_config_release(&cfg);
}

/* What a builtin that passes options on needs: each option's extent. */
static void test_lookup(void)
{
	const struct opt *tables[RUN_OPTION_TABLES_MAX];
	char *argv[] = { "-m", "256", "--mem=256", "-m256", "--nodefaults",
			 "Image", "--", "--frobnicate", "-p" };
	int argc = (int)ARRAY_SIZE(argv), span = 0;
	const struct opt *o;

	run_option_tables(tables, ARRAY_SIZE(tables));
	o = opt_lookup(tables, argc, argv, 0, &span);
	CHECK(o && !strcmp(o->long_name, "mem"));
	CHECK_EQ(span, 2);
	o = opt_lookup(tables, argc, argv, 2, &span);
	CHECK(o && !strcmp(o->long_name, "mem"));
	CHECK_EQ(span, 1);
	o = opt_lookup(tables, argc, argv, 3, &span);
	CHECK(o && !strcmp(o->long_name, "mem"));
	CHECK_EQ(span, 1);
	o = opt_lookup(tables, argc, argv, 4, &span);
	CHECK(o && !strcmp(o->long_name, "nodefaults"));
	CHECK_EQ(span, 1);
	CHECK(!opt_lookup(tables, argc, argv, 5, &span));
	CHECK_EQ(span, 1);
	CHECK(!opt_lookup(tables, argc, argv, 6, &span));
	CHECK(!opt_lookup(tables, argc, argv, 7, &span));
	CHECK_EQ(span, 1);
	/* A value option at the end has no value to take. */
	o = opt_lookup(tables, argc, argv, 8, &span);
	CHECK(o && !strcmp(o->long_name, "params"));
	CHECK_EQ(span, 1);
}

static void test_network_modes(void)
{
	struct vm_config cfg = { 0 };
	struct opt_args args;

	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "-n", "mode=none"), OPT_OK);
	CHECK(cfg.net.none);
	CHECK_EQ(cfg.net.nr_nics, 0);
	opt_args_free(&args);

	/* Several NICs, in order; the spec is kept for messages. */
	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "-n", "mode=tap,tapif=tap7", "--network",
		       "mode=user,hostfwd=tcp:8080:80", "-nguest_mac=52:54:00:00:00:01",
		       "--passt", "/opt/passt"),
		 OPT_OK);
	CHECK(!cfg.net.none);
	CHECK_EQ(cfg.net.nr_nics, 3);
	CHECK_EQ(cfg.net.nics[0].mode, NET_MODE_TAP);
	CHECK_STR(cfg.net.nics[0].tapif, "tap7");
	CHECK_STR(cfg.net.nics[0].spec, "mode=tap,tapif=tap7");
	CHECK_EQ(cfg.net.nics[1].mode, NET_MODE_USER);
	CHECK_EQ(cfg.net.nics[1].nr_hostfwd, 1);
	CHECK_EQ(cfg.net.nics[2].mode, NET_MODE_USER);
	CHECK(cfg.net.nics[2].has_mac);
	CHECK_STR(cfg.net.passt, "/opt/passt");
	opt_args_free(&args);

	/* mode=none means no network: nothing else goes with it. */
	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "-n", "mode=none", "-n", "mode=user"),
		 OPT_BAD_VALUE);
	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "-n", "mode=user", "-n", "mode=none"),
		 OPT_BAD_VALUE);
	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "--network=tapif=x,mode=none"),
		 OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "--network=xmode=none"), OPT_BAD_VALUE);
	CHECK_EQ(PARSE(&cfg, &args, "--passt="), OPT_BAD_VALUE);

	/* At most VM_MAX_NICS. */
	fresh(&cfg);
	for (unsigned int i = 0; i < VM_MAX_NICS; i++) {
		CHECK_EQ(PARSE(&cfg, &args, "-n", "mode=user"), OPT_OK);
		opt_args_free(&args);
	}
	CHECK_EQ(PARSE(&cfg, &args, "-n", "mode=user"), OPT_BAD_VALUE);
	CHECK_EQ(cfg.net.nr_nics, VM_MAX_NICS);
	vm_config_release(&cfg);
}

/* One of --sve-vls, --sve-max-vl, --disable-sve, in either order. */
static void test_sve_options_conflict(void)
{
	struct vm_config cfg = { 0 };
	struct opt_args args;

	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "--sve-vls=host", "--sve-max-vl=256"),
		 OPT_BAD_VALUE);
	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "--sve-max-vl=256", "--sve-vls=host"),
		 OPT_BAD_VALUE);
	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "--disable-sve", "--sve-vls=off"),
		 OPT_BAD_VALUE);
	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "--sve-vls=128", "--disable-sve"),
		 OPT_BAD_VALUE);
	/* The same option again: the last one counts. */
	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "--sve-vls=128", "--sve-vls=host"), OPT_OK);
	CHECK_EQ(cfg.arch->sve.kind, SVE_SPEC_HOST);
	CHECK_STR(cfg.arch->sve_option, "--sve-vls");
	CHECK_STR(cfg.arch->sve_arg, "host");
	opt_args_free(&args);
	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "--disable-sve", "--disable-sve"), OPT_OK);
	CHECK_EQ(cfg.arch->sve.kind, SVE_SPEC_OFF);
	opt_args_free(&args);
	/* A long request is kept whole for messages. */
	fresh(&cfg);
	CHECK_EQ(PARSE(&cfg, &args, "--sve-vls=128,256,384,512,640,768,896,1024,1152,1280,1408,1536"),
		 OPT_OK);
	CHECK_STR(cfg.arch->sve_arg, "128,256,384,512,640,768,896,1024,1152,1280,1408,1536");
	opt_args_free(&args);
	vm_config_release(&cfg);
}

static const struct unit_test tests[] = {
	{ "long-forms", test_long_forms },
	{ "nested", test_nested },
	{ "short-forms-and-positional", test_short_forms_and_positional },
	{ "defaults", test_defaults },
	{ "unknown-and-missing", test_unknown_and_missing },
	{ "bad-values", test_bad_values },
	{ "dashdash", test_dashdash },
	{ "lookup", test_lookup },
	{ "network-modes", test_network_modes },
	{ "sve-options-conflict", test_sve_options_conflict },
};

UNIT_MAIN(tests)
