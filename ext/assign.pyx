"""Routing: give each ticket, in queue order, to the eligible agent with the most spare capacity.

Eligible: the agent holds every required skill bit (unless the ticket has waited past the skills timeout)
and shares a language bit, and has spare capacity (capacity - load > 0; off-shift agents have capacity 0).
Ties: least recently assigned first, then lowest agent index. ``crossdesk.native.reference.assign`` is
the oracle.
"""

from libc.stdlib cimport calloc, free, malloc

from _types cimport epoch_t, int32_t, int64_t, uint8_t, uint64_t


cdef inline bint _better(int64_t spare_a, int64_t last_a, Py_ssize_t a,
                         int64_t spare_b, int64_t last_b, Py_ssize_t b) noexcept nogil:
    if spare_a != spare_b:
        return spare_a > spare_b
    if last_a != last_b:
        return last_a < last_b
    return a < b


cdef enum:
    MAX_BUCKETS = 1 << 24  # largest spare capacity (capacity - load) an agent may have
    MISS_SLOTS = 1 << 12  # direct-mapped cache of requirements nobody could meet (index: top 12 hash bits)


cdef inline void _append(Py_ssize_t* head, Py_ssize_t* tail, Py_ssize_t* nxt, Py_ssize_t* prv, int64_t s,
                         Py_ssize_t a) noexcept nogil:
    nxt[a] = -1
    prv[a] = tail[s]
    if tail[s] >= 0:
        nxt[tail[s]] = a
    else:
        head[s] = a
    tail[s] = a


cdef inline void _unlink(Py_ssize_t* head, Py_ssize_t* tail, Py_ssize_t* nxt, Py_ssize_t* prv, int64_t s,
                         Py_ssize_t a) noexcept nogil:
    if prv[a] >= 0:
        nxt[prv[a]] = nxt[a]
    else:
        head[s] = nxt[a]
    if nxt[a] >= 0:
        prv[nxt[a]] = prv[a]
    else:
        tail[s] = prv[a]


def assign(
    const int64_t[::1] order,
    const uint64_t[::1] ticket_skills,
    const uint64_t[::1] ticket_langs,
    const uint8_t[::1] skills_waived,
    const uint64_t[::1] agent_skills,
    const uint64_t[::1] agent_langs,
    const int32_t[::1] capacity,
    const int32_t[::1] load,
    const int64_t[::1] last_assigned,
    int32_t[::1] out,
):
    """Write the agent index given to each ticket into ``out`` (int32[n]; -1 for none or not in order).

    Parameters
    ----------
    order : int64[m]
        Ticket indices in the order they are served; each at most once.
    ticket_skills, ticket_langs : uint64[n]
        Required skill bits and the ticket's language bits.
    skills_waived : uint8[n]
        1 where the ticket waited past the skills timeout: any agent sharing a language may take it.
    agent_skills, agent_langs : uint64[a]
    capacity, load : int32[a]
        Spare capacity is capacity - load.
    last_assigned : int64[a]
        When each agent last got a ticket; smaller is longer ago.
    out : int32[n]
    """
    cdef Py_ssize_t n = out.shape[0], na = agent_skills.shape[0], m = order.shape[0]
    cdef Py_ssize_t i, j, a, b, s, smax = 0
    cdef int64_t t, step = 0
    cdef uint64_t need, langs, h
    cdef Py_ssize_t* sorted_agents
    cdef int64_t* spare
    cdef int64_t* last
    cdef Py_ssize_t* nxt
    cdef Py_ssize_t* prv
    cdef Py_ssize_t* head
    cdef Py_ssize_t* tail
    cdef uint64_t* miss_need
    cdef uint64_t* miss_langs
    cdef uint8_t* miss_set
    for length in (ticket_skills.shape[0], ticket_langs.shape[0], skills_waived.shape[0]):
        if length != n:
            raise ValueError("every ticket column must have the same length as out")
    for length in (agent_langs.shape[0], capacity.shape[0], load.shape[0], last_assigned.shape[0]):
        if length != na:
            raise ValueError("every agent column must have the same length as agent_skills")
    for i in range(m):
        if order[i] < 0 or order[i] >= n:
            raise ValueError(f"order[{i}] = {order[i]} is not a ticket index")
    for i in range(n):
        out[i] = -1
    if na == 0 or m == 0:
        return
    for a in range(na):
        s = <Py_ssize_t>capacity[a] - <Py_ssize_t>load[a]
        if s > smax:
            smax = s
    # An agent never takes more tickets than there are in ``order``: spare beyond that still orders
    # agents, so it is kept exactly, but the bucket table only needs to span the spares that occur.
    if smax > MAX_BUCKETS:
        raise ValueError(f"spare capacity above {MAX_BUCKETS} is not supported")
    sorted_agents = <Py_ssize_t*>malloc(na * sizeof(Py_ssize_t))
    spare = <int64_t*>malloc(na * sizeof(int64_t))
    last = <int64_t*>malloc(na * sizeof(int64_t))
    nxt = <Py_ssize_t*>malloc(na * sizeof(Py_ssize_t))
    prv = <Py_ssize_t*>malloc(na * sizeof(Py_ssize_t))
    head = <Py_ssize_t*>malloc((smax + 1) * sizeof(Py_ssize_t))
    tail = <Py_ssize_t*>malloc((smax + 1) * sizeof(Py_ssize_t))
    miss_need = <uint64_t*>malloc(MISS_SLOTS * sizeof(uint64_t))
    miss_langs = <uint64_t*>malloc(MISS_SLOTS * sizeof(uint64_t))
    miss_set = <uint8_t*>calloc(MISS_SLOTS, sizeof(uint8_t))
    if (sorted_agents == NULL or spare == NULL or last == NULL or nxt == NULL or prv == NULL or head == NULL
            or tail == NULL or miss_need == NULL or miss_langs == NULL or miss_set == NULL):
        free(sorted_agents); free(spare); free(last); free(nxt); free(prv); free(head); free(tail)
        free(miss_need); free(miss_langs); free(miss_set)
        raise MemoryError()
    with nogil:
        for a in range(na):
            spare[a] = <int64_t>capacity[a] - <int64_t>load[a]
            last[a] = last_assigned[a]
            if last[a] >= step:
                step = last[a] + 1
        # Agents with room sit in one list per spare capacity, least recently assigned first; serving
        # walks the lists from the most spare down, so the first eligible agent is the one the rule
        # picks. An assignment moves the agent to the tail of the next list down: O(1).
        for s in range(smax + 1):
            head[s] = -1
            tail[s] = -1
        for a in range(na):
            j = a
            while j > 0 and _better(spare[a], last[a], a, spare[sorted_agents[j - 1]],
                                    last[sorted_agents[j - 1]], sorted_agents[j - 1]):
                sorted_agents[j] = sorted_agents[j - 1]
                j -= 1
            sorted_agents[j] = a
        for j in range(na):
            a = sorted_agents[j]
            if spare[a] > 0:
                _append(head, tail, nxt, prv, spare[a], a)
        while smax > 0 and head[smax] < 0:
            smax -= 1
        for i in range(m):
            t = order[i]
            need = ticket_skills[t]
            if skills_waived[t]:
                need = 0
            langs = ticket_langs[t]
            # Eligibility only shrinks as agents fill up: a requirement nobody met stays unmet.
            h = (need * <uint64_t>0x9E3779B97F4A7C15 ^ langs * <uint64_t>0xC2B2AE3D27D4EB4F) >> 52
            if miss_set[h] and miss_need[h] == need and miss_langs[h] == langs:
                continue
            b = -1
            s = smax
            while s > 0 and b < 0:
                a = head[s]
                while a >= 0:
                    if (agent_skills[a] & need) == need and (agent_langs[a] & langs) != 0:
                        b = a
                        break
                    a = nxt[a]
                s -= 1
            if b < 0:
                miss_set[h] = 1
                miss_need[h] = need
                miss_langs[h] = langs
                continue
            out[t] = <int32_t>b
            _unlink(head, tail, nxt, prv, spare[b], b)
            spare[b] -= 1
            last[b] = step
            step += 1
            if spare[b] > 0:
                _append(head, tail, nxt, prv, spare[b], b)
            while smax > 0 and head[smax] < 0:
                smax -= 1
    free(sorted_agents)
    free(nxt)
    free(prv)
    free(head)
    free(tail)
    free(miss_need)
    free(miss_langs)
    free(miss_set)
    free(spare)
    free(last)
