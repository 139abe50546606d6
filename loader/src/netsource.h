/* netsource.h - stage 1's decisions for one network source of hopboot.src=: bring the
 * network up (once), expand the URL's templates, list the candidates there, fetch each
 * into RAM verified, and boot the first that loads.  Logs: it decides. */
#pragma once

#include "pipeline.h"
#include "url.h"

/* Boot from the source TEMPLATE (its ${...} not yet expanded).  Returns only when nothing
 * there could be booted, each reason said on the console. */
void netsource_boot(struct run *run, const struct url *template);

/* hopboot.overlay=, fetched and checked the first time it is asked for (bringing the
 * network up if need be), so a card boot without it never waits for a network.  Returns
 * the expanded URL while BOOT_OVERLAY_FILE holds the overlay, or NULL: none asked for, or
 * it could not be had (said in one warning line; the image boots without it). */
const char *netsource_overlay(struct run *run);
