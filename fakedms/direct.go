package fakedms

// Test helpers that read and change the state without the protocol (like
// miniredis's direct.go).

import (
	"github.com/minidms/minidms/dms"
)

// SetError makes every call of the DMS operation op fail with err, which
// is rendered like any API error (use the SDK's fault types, such as
// &types.ResourceNotFoundFault{…}, to get typed errors on the client); nil
// clears it.
func (h *Handler) SetError(op string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		delete(h.cfg.errors, op)
		return
	}
	h.cfg.errors[op] = err
}

// EngineTask returns the engine task behind the replication task with the
// given ARN, or nil before the task's first start, or when there is no
// such task. Its Wait helps tests wait without polling.
func (h *Handler) EngineTask(arn string) *dms.Task {
	h.lock()
	defer h.unlock()
	if t, ok := h.st.tasks[arn]; ok {
		return t.engine
	}
	return nil
}

// Engine returns the engine that runs the server's tasks.
func (h *Handler) Engine() *dms.Engine { return h.engine }
