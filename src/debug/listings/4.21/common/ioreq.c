/* 4.21/common/ioreq.c: the model's xen/common/ioreq.c of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn wait_for_io
/* wait_for_io (ioreq.c:154-209): state read once; a state lower than the last one seen crashes the domain. With f7039ee41b reverted, complete also settles v->io.req and ends the shutdown deferral (hvm_io_assist). */
wait_for_io(sv, p)
{
    go on where the last step stopped (a read ago);  @go_on
    read state;  @read_state
    loop head reads p->state again (92938e5d14 undone);  @reread
    condition read again after marking the vcpu blocked;  @recheck
    jump table index: p->state read again (b452430a4c undone);  @index
    check order;  @check_order
    switch bounds check reads p->state (b452430a4c undone);  @bounds
    switch;  @switch
    take data;  @take_data
    wait: the condition reads p->state;  @wait
    complete;  @complete
}

@fn vcpu_ioreq_handle_completion
/* vcpu_ioreq_handle_completion (ioreq.c:211-259): wait on every pending server (da20c93108 reverted: the first one only), settle v->io.req and end the shutdown deferral (f7039ee41b; reverted, not here), then finish the access. */
vcpu_ioreq_handle_completion(v)
{
    pending;  @pending
    req state;  @req_state
    completion;  @completion
    if ( res && v->mapcache_invalidate ) { clear it; ioreq_signal_mapcache_invalidate(); res = false; }  @mapcache
    done;  @done
}

@fn ioreq_signal_mapcache_invalidate
/* ioreq_signal_mapcache_invalidate (ioreq.c:48-59): a synchronous INVALIDATE (flush all) to every enabled server. */
ioreq_signal_mapcache_invalidate()
{
    if ( ioreq_broadcast(&p, false) != 0 ) log "Unsuccessful map-cache invalidate";  @broadcast
}

@fn ioreq_server_alloc_mfn
/* ioreq_server_alloc_mfn (ioreq.c:261-307): a fresh cleared domheap page, refused once a gfn is mapped. */
ioreq_server_alloc_mfn(s, buf)
{
    check page;  @check_page
    alloc;  @alloc
    map global;  @map_global
    clear;  @clear
}

@fn ioreq_server_free_mfn
/* ioreq_server_free_mfn (ioreq.c:309-324). */
ioreq_server_free_mfn(s, buf)
{
    check;  @check
}

@fn ioreq_server_alloc_pages
/* ioreq_server_alloc_pages (ioreq.c:467-480). */
ioreq_server_alloc_pages(s)
{
    ioreq;  @ioreq
    bufioreq;  @bufioreq
    check;  @check
}

@fn ioreq_server_free_pages
/* ioreq_server_free_pages (ioreq.c:482-486). */
ioreq_server_free_pages(s)
{
    free;  @free
}

@fn ioreq_server_update_evtchn
/* ioreq_server_update_evtchn (ioreq.c:348-359): write the vcpu's port into its slot, if there is a page. */
ioreq_server_update_evtchn(s, sv)
{
    check;  @check
    write;  @write
}

@fn ioreq_server_add_vcpu
/* ioreq_server_add_vcpu (ioreq.c:361-411): a port for v (and the buffered port on vcpu 0), remote the emulator. */
ioreq_server_add_vcpu(s, v)
{
    alloc;  @alloc
    evtchn;  @evtchn
    buf evtchn;  @buf_evtchn
    added;  @added
}

@fn ioreq_server_remove_vcpu
/* ioreq_server_remove_vcpu (ioreq.c:413-439). */
ioreq_server_remove_vcpu(s, v)
{
    find;  @find
}

@fn ioreq_server_remove_all_vcpus
/* ioreq_server_remove_all_vcpus (ioreq.c:441-465). */
ioreq_server_remove_all_vcpus(s)
{
    remove;  @remove
}

@fn ioreq_server_enable
/* ioreq_server_enable (ioreq.c:539-559): the arch hook, enabled, then every vcpu's port into its slot. */
ioreq_server_enable(s)
{
    check;  @check
    arch;  @arch
    update;  @update
}

@fn ioreq_server_disable
/* ioreq_server_disable (ioreq.c:561-574). */
ioreq_server_disable(s)
{
    check;  @check
    arch;  @arch
}

@fn ioreq_server_init
/* ioreq_server_init (ioreq.c:576-619): emulator = current->domain (a reference held), no pages yet, every vcpu. */
ioreq_server_init(s, d, bufioreqhandling, id)
{
    gfns;  @gfns
    rangesets;  @rangesets
    add vcpu;  @add_vcpu
    fail add;  @fail_add
}

@fn ioreq_server_deinit
/* ioreq_server_deinit (ioreq.c:621-641): vcpus, legacy gfns, domheap pages, rangesets, the emulator reference. */
ioreq_server_deinit(s)
{
    vcpus;  @vcpus
    unmap;  @unmap
    free pages;  @free_pages
    put;  @put
}

@fn ioreq_server_create
/* ioreq_server_create (ioreq.c:643-700): lowest free slot of 8; the target is paused meanwhile. With b7007bc6f9 reverted, no bound on bufioreq_handling and any buffering is LEGACY. */
ioreq_server_create(d, bufioreqhandling, out)
{
    arm buf;  @arm_buf
    max buf;  @max_buf
    alloc;  @alloc
    pause;  @pause
    slot;  @slot
    init;  @init
    fail;  @fail
    unpause;  @unpause
}

@fn ioreq_server_destroy
/* ioreq_server_destroy (ioreq.c:702-742): -ENOENT / -EPERM; pause, arch, disable, deinit, clear the slot. */
ioreq_server_destroy(d, id)
{
    lookup;  @lookup
    owner;  @owner
    arch;  @arch
    disable;  @disable
    deinit;  @deinit
    unpause;  @unpause
}

@fn ioreq_server_get_info
/* ioreq_server_get_info (ioreq.c:744-789): legacy gfns mapped only when asked for; the buffered port if any. */
ioreq_server_get_info(d, id, wantGfns, out)
{
    lookup;  @lookup
    owner;  @owner
    map pages;  @map_pages
    buf;  @buf
}

@fn ioreq_server_get_frame
/* ioreq_server_get_frame (ioreq.c:791-840): allocates the pages on demand; frame 0 bufioreq, frame 1 ioreq. */
ioreq_server_get_frame(d, id, idx, out)
{
    lookup;  @lookup
    owner;  @owner
    alloc;  @alloc
    frame;  @frame
}

@fn ioreq_server_map_io_range
/* ioreq_server_map_io_range (ioreq.c:842-892): -EINVAL start > end; -EEXIST on overlap inside this server. */
ioreq_server_map_io_range(d, id, type, start, end)
{
    order;  @order
    lookup;  @lookup
    owner;  @owner
    type;  @type
    overlap;  @overlap
    add;  @add
}

@fn ioreq_server_unmap_io_range
/* ioreq_server_unmap_io_range (ioreq.c:894-944): -ENOENT unless the whole range is mapped. */
ioreq_server_unmap_io_range(d, id, type, start, end)
{
    order;  @order
    lookup;  @lookup
    owner;  @owner
    type;  @type
    contains;  @contains
    remove;  @remove
}

@fn ioreq_server_map_mem_type
/* ioreq_server_map_mem_type (ioreq.c:954-987): HVMMEM_ioreq_server only, write flag only. */
ioreq_server_map_mem_type(d, id, type, flags)
{
    type;  @type
    lookup;  @lookup
    owner;  @owner
    arch;  @arch
}

@fn ioreq_server_set_state
/* ioreq_server_set_state (ioreq.c:989-1021). */
ioreq_server_set_state(d, id, enabled)
{
    lookup;  @lookup
    owner;  @owner
    set;  @set
    unpause;  @unpause
}

@fn ioreq_server_add_vcpu_all
/* ioreq_server_add_vcpu_all (ioreq.c:1023-1056): a new vcpu joins every server; undone on failure. */
ioreq_server_add_vcpu_all(d, v)
{
    add;  @add
    fail;  @fail
}

@fn ioreq_server_remove_vcpu_all
/* ioreq_server_remove_vcpu_all (ioreq.c:1058-1069). */
ioreq_server_remove_vcpu_all(d, v)
{
    remove;  @remove
}

@fn ioreq_server_destroy_all
/* ioreq_server_destroy_all (ioreq.c:1071-1098): at target teardown, no pause; disable, deinit, free each. */
ioreq_server_destroy_all(d)
{
    arch;  @arch
    destroy;  @destroy
}

@fn ioreq_server_select
/* ioreq_server_select: (ioreq.c:1100-1154): enabled servers, newest first; port ranges hold [addr, addr+size-1], memory ranges the df-aware bytes, PCI the sbdf (and then p's type and addr are rewritten). */
ioreq_server_select(d, p)
{
    type addr;  @type_addr
    server;  @server
    pci;  @pci
}

@fn ioreq_send_buffered
/* ioreq_send_buffered: (ioreq.c:1156-1247): into the ring when it fits; ATOMIC servers get their pointers pulled back below 511 with a 64-bit compare-exchange (ioreq.c:1230-1241, added by b7007bc6f9: reverted, no server is ATOMIC, so the pointers run on to 2^32 and wrap). UNHANDLED sends the caller to the synchronous path. */
ioreq_send_buffered(s, p)
{
    page;  @page
    limits;  @limits
    size;  @size
    full;  @full
    copy;  @copy
    canon;  @canon
    cmpxchg;  @cmpxchg
    notify;  @notify
}

@fn ioreq_send
/* ioreq_send: (ioreq.c:1249-1311): a refused shutdown deferral suspends the vcpu; a slot not NONE or a vp_eport that is not the server's port is refused (UNHANDLED) with a log line; else copy, block, READY, notify, pending. */
ioreq_send(s, protop, buffered)
{
    buffered;  @buffered
    deferral;  @deferral
    check state;  @check_state
    check port;  @check_port
    copy;  @copy
    prepare wait;  @prepare_wait
    notify;  @notify
    pending;  @pending
}

@fn ioreq_broadcast
/* ioreq_broadcast (ioreq.c:1313-1330): every enabled server (buffered: those with a ring); counts failures. */
ioreq_broadcast(p, buffered)
{
    server;  @server
}

@fn ioreq_server_dm_op
/* ioreq_server_dm_op (ioreq.c:1339-1442): ops 1-6 with their pad checks; anything else -EOPNOTSUPP. */
ioreq_server_dm_op(op, d)
{
    op;  @op
    rc;  @rc
}
