/* SPDX-License-Identifier: GPL-2.0 */
#define NFIPSEC_VERSION "0.1"
