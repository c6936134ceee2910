/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pbus tracepoints: frames, retries, resyncs and handshake timeouts.
 * Enable with: echo 1 > /sys/kernel/tracing/events/pbus/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pbus

#if !defined(_PBUS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PBUS_TRACE_H

#include <linux/tracepoint.h>
#include <pbus_compat.h>

TRACE_EVENT(pbus_frame,
	    TP_PROTO(const char *bus, bool write, u8 tag, u32 addr, u16 len,
		     int result),
	    TP_ARGS(bus, write, tag, addr, len, result),
	    TP_STRUCT__entry(__string(bus, bus)
			     __field(bool, write)
			     __field(u8, tag)
			     __field(u32, addr)
			     __field(u16, len)
			     __field(int, result)
	    ),
	    TP_fast_assign(pbus_assign_str(bus, bus);
			   __entry->write = write;
			   __entry->tag = tag;
			   __entry->addr = addr;
			   __entry->len = len;
			   __entry->result = result;
	    ),
	    TP_printk("%s %s tag=%u addr=0x%08x len=%u result=%d",
		      __get_str(bus), __entry->write ? "write" : "read",
		      __entry->tag, __entry->addr, __entry->len, __entry->result)
);

TRACE_EVENT(pbus_retry,
	    TP_PROTO(const char *bus, unsigned int attempt, int result,
		     u32 payload),
	    TP_ARGS(bus, attempt, result, payload),
	    TP_STRUCT__entry(__string(bus, bus)
			     __field(unsigned int, attempt)
			     __field(int, result)
			     __field(u32, payload)
	    ),
	    TP_fast_assign(pbus_assign_str(bus, bus);
			   __entry->attempt = attempt;
			   __entry->result = result;
			   __entry->payload = payload;
	    ),
	    TP_printk("%s attempt=%u result=%d payload=%u", __get_str(bus),
		      __entry->attempt, __entry->result, __entry->payload)
);

TRACE_EVENT(pbus_resync,
	    TP_PROTO(const char *bus, int result),
	    TP_ARGS(bus, result),
	    TP_STRUCT__entry(__string(bus, bus)
			     __field(int, result)
	    ),
	    TP_fast_assign(pbus_assign_str(bus, bus);
			   __entry->result = result;
	    ),
	    TP_printk("%s result=%d", __get_str(bus), __entry->result)
);

TRACE_EVENT(pbus_timeout,
	    TP_PROTO(const char *bus, bool rw_read, bool strobe),
	    TP_ARGS(bus, rw_read, strobe),
	    TP_STRUCT__entry(__string(bus, bus)
			     __field(bool, rw_read)
			     __field(bool, strobe)
	    ),
	    TP_fast_assign(pbus_assign_str(bus, bus);
			   __entry->rw_read = rw_read;
			   __entry->strobe = strobe;
	    ),
	    TP_printk("%s rw=%u strobe=%u: no ACK", __get_str(bus),
		      __entry->rw_read, __entry->strobe)
);

#endif /* _PBUS_TRACE_H */

/* Out-of-tree: the header is found through -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE pbus_trace
#include <trace/define_trace.h>
