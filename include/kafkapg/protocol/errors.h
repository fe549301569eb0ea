/*-------------------------------------------------------------------------
 *
 * errors.h
 *	  Kafka protocol error codes (Kafka's Errors enum; same numbers).
 *
 *-------------------------------------------------------------------------
 */
#ifndef KAFKAPG_PROTOCOL_ERRORS_H
#define KAFKAPG_PROTOCOL_ERRORS_H

#define KP_ERR_UNKNOWN_SERVER_ERROR			(-1)
#define KP_ERR_NONE							0
#define KP_ERR_OFFSET_OUT_OF_RANGE			1
#define KP_ERR_CORRUPT_MESSAGE				2
#define KP_ERR_UNKNOWN_TOPIC_OR_PARTITION	3
#define KP_ERR_LEADER_NOT_AVAILABLE			5
#define KP_ERR_NOT_LEADER_OR_FOLLOWER		6
#define KP_ERR_REQUEST_TIMED_OUT			7
#define KP_ERR_MESSAGE_TOO_LARGE			10
#define KP_ERR_INVALID_TOPIC_EXCEPTION		17
#define KP_ERR_UNSUPPORTED_VERSION			35
#define KP_ERR_INVALID_REQUEST				42
#define KP_ERR_UNKNOWN_TOPIC_ID				100

#endif							/* KAFKAPG_PROTOCOL_ERRORS_H */
