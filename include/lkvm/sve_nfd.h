/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SVE_NFD_H
#define LKVM_SVE_NFD_H

#include <lkvm/sve_features.h>

#include <stdio.h>

/*
 * Kubernetes node labels for SVE, as a node-feature-discovery (NFD)
 * "local" feature file (`lkvm sve probe --nfd`, Documentation/kubernetes.md).
 * One line per label, "<namespace>/<name>=<value>", in NFD's always
 * allowed namespace; names and values follow Kubernetes' label syntax.
 *
 * KVM can give a guest only the host's set truncated at one of its
 * lengths, so a node labels each set it can give, by name: one
 * nodeSelector term "<set label>: true" then selects exactly the nodes
 * that can run a guest with that set.
 */
#define SVE_NFD_NS "feature.node.kubernetes.io"
#define SVE_NFD_DEFAULT_DIR "/etc/kubernetes/node-feature-discovery/features.d"
#define SVE_NFD_FILE "lkvm-sve"
/* NFD ignores a feature file larger than this. */
#define SVE_NFD_MAX_FILE 65536U
/* The longest label line written, with room. */
#define SVE_NFD_LABEL_MAX 128

/*
 * "feature.node.kubernetes.io/lkvm-sve-set.000b": the label (value
 * "true") of the nodes that can give a guest the non-empty @set, named
 * by its vq bitmap in hex (bit vq-1 for 128 * vq bits).
 */
char *sve_nfd_set_label(sve_vqset set, char *buf, size_t len);

/*
 * Writes the feature file of a host: whether KVM has SVE, its lengths,
 * the sets it can give, its SVE/SME feature levels and whether KVM lets
 * them be lowered (CPU profiles). Returns the bytes written.
 */
size_t sve_nfd_write(FILE *f, const struct sve_host_info *info);

/* Kubernetes' rules for a label's name (with prefix) and value. */
bool sve_nfd_label_name_valid(const char *name);
bool sve_nfd_label_value_valid(const char *value);

#endif
