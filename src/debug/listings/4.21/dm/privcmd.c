/* 4.21/dm/privcmd.c: the model's Linux privcmd ioeventfd (drivers/xen/privcmd.c, Linux 6.7: the dom0 kernel's
 * second consumer of a vcpu's ioreq port), as the debugger shows it. Written for IOREQ Scope in its own words; the
 * facts (names, order, checks, return values) follow the source cited beside each function in the TypeScript model
 * (src/model/dm/privcmd-ioeventfd.ts). `k` is the kernel's side, `of` the device model whose page and ports it shares;
 * `own_only` is the model's candidate fix, not upstream code. */

@fn privcmd_ioeventfd_assign
/* privcmd_ioeventfd_assign -> get_ioreq / alloc_ioreq: the ioreq page is the one the device model mapped (found
 * through its vma), the ports the ones it bound; each port is bound again to ioeventfd_interrupt, IRQF_SHARED. */
static int privcmd_ioeventfd_assign(struct privcmd_kernel *k, struct device_model *of, u64 addr, u32 addr_len, u32 vq, bool own_only)
{
    int i;
    evtchn_port_t port;

    if ( addr_len != 1 && addr_len != 2 && addr_len != 4 && addr_len != 8 ) return -EINVAL; if ( !of->vcpus ) return -EINVAL;   @check
    if ( !of->ioreq_page_vma ) return -EFAULT; k->ioreq = of->ioreq_page; k->addr = addr; k->addr_len = addr_len; k->vq = vq;   @vma
    for ( i = 0; i < of->vcpus; i++ ) { port = of->ports[i]; if ( !port_is_valid(port) ) return -EINVAL; bind_interdomain_evtchn_to_irqhandler_lateeoi(port, ioeventfd_interrupt, IRQF_SHARED, "xen-ioreq", &k->ports[i]); } return 0;   @bind
}

@fn ioeventfd_interrupt
@names ioreq=p
/* ioeventfd_interrupt for vcpu i's port, in the model's three parts (each touches the slot's state once): the check,
 * INPROCESS and the list walk, then the state it settled on. A READY COPY write that is its own virtqueue's
 * QUEUE_NOTIFY it answers (IORESP_READY, notify, eventfd_signal); any other it puts back READY and returns IRQ_NONE
 * for the device model to serve. With own_only the check claims its own notify by cmpxchg in the same step. */
static irqreturn_t ioeventfd_interrupt(struct privcmd_kernel *k, int i, int part)
{
    ioreq_t *ioreq;
    uint32_t state;

    ioreq = k->ioreq + i; if ( ioreq->state != STATE_IOREQ_READY || ioreq->type != IOREQ_TYPE_COPY || ioreq->dir != IOREQ_WRITE ) return IRQ_NONE; state = STATE_IOREQ_READY; if ( k->own_only && !own_notify(k, ioreq) ) return IRQ_NONE;   @check
    cmpxchg(&ioreq->state, STATE_IOREQ_READY, STATE_IOREQ_INPROCESS); eventfd_signal(k->eventfd); state = STATE_IORESP_READY; /* own_only: its own notify, claimed in the check's step */   @claim
    spin_lock(&k->lock); ioreq->state = STATE_IOREQ_INPROCESS; list_for_each_entry(kioeventfd, &k->list, list) if ( own_notify(kioeventfd, ioreq) ) { eventfd_signal(kioeventfd->eventfd); state = STATE_IORESP_READY; }   @inprocess
    spin_unlock(&k->lock);   @walk
    ioreq->state = state; if ( state == STATE_IORESP_READY ) { notify_remote_via_evtchn(k->ports[i]); return IRQ_HANDLED; } return IRQ_NONE;   @write_back
}
