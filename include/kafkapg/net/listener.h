/*-------------------------------------------------------------------------
 *
 * listener.h
 *	  Listening sockets of one broker worker.
 *
 * Every worker binds its own sockets to the same addresses and port with
 * SO_REUSEPORT, so the kernel spreads new connections across workers.
 * Owned by one worker; no locking.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_NET_LISTENER_H
#define KAFKAPG_NET_LISTENER_H

#define KP_MAX_LISTENERS 16

typedef struct KpListeners
{
	int			n;
	pgsocket	socks[KP_MAX_LISTENERS];
} KpListeners;

extern void kp_listeners_open(KpListeners *ls, const char *addresses, int port);
extern void kp_listeners_close(KpListeners *ls);
extern pgsocket kp_listener_accept(pgsocket lsock, char *peer, size_t peerlen);

#endif							/* KAFKAPG_NET_LISTENER_H */
