--- The server's `$/qwenLsp/status` notifications, kept for the statusline and `:QwenLsp status`.
local M = {}

M.METHOD = '$/qwenLsp/status'

---@class qwen_lsp.Status
---@field state 'ready'|'busy'|'rate_limited'|'error'|'disabled'
---@field kind? string
---@field message? string

---@type qwen_lsp.Status|nil
M.last = nil

local LABELS = {
  ready = 'ready',
  busy = '…',
  rate_limited = 'rate-limited',
  error = 'error',
  disabled = 'off',
}

--- The notification handler (see `vim.lsp.handlers`).
function M.handler(_, params)
  if type(params) == 'table' and type(params.state) == 'string' then
    M.last = params
    vim.api.nvim_exec_autocmds('User', { pattern = 'QwenLspStatus', modeline = false })
  end
end

--- A short label for a statusline, e.g. `qwen: ready`; empty before the server has started.
---@return string
function M.statusline()
  local s = M.last
  if not s then
    return ''
  end
  local label = LABELS[s.state] or s.state
  if s.state == 'error' and s.kind then
    label = ('%s (%s)'):format(label, s.kind)
  end
  return 'qwen: ' .. label
end

return M
