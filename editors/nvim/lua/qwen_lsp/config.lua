--- Options: defaults, validation, and the `vim.lsp.config` table they turn into.
local M = {}

M.NAME = 'qwen_lsp'

---@class qwen_lsp.Keymaps
---@field accept string|false
---@field accept_word string|false
---@field accept_line string|false
---@field next string|false
---@field prev string|false
---@field dismiss string|false
---@field suggest string|false

---@class qwen_lsp.Options
---@field cmd string[] how to start the server
---@field filetypes string[]|nil nil: every filetype
---@field settings table server settings (camelCase, as in the README), sent as init_options
---@field display 'auto'|'native'|'ghost' 'auto': native on Neovim >= 0.12, else our ghost text
---@field keymaps qwen_lsp.Keymaps insert-mode keys; false disables one
---@field lsp table extra `vim.lsp.config` fields (root_markers, capabilities, cmd_env, ...)
---@field enabled boolean
M.defaults = {
  cmd = { 'qwen-lsp' },
  filetypes = nil,
  settings = {},
  display = 'auto',
  keymaps = {
    accept = '<Tab>',
    accept_word = '<C-Right>',
    accept_line = '<C-Down>',
    next = '<M-]>',
    prev = '<M-[>',
    dismiss = '<C-]>',
    suggest = '<M-\\>',
  },
  lsp = {},
  enabled = true,
}

local function is_key(value)
  return value == false or (type(value) == 'string' and value ~= '')
end

--- The options merged over the defaults; raises a readable error for a bad value.
---@param opts table|nil
---@return qwen_lsp.Options
function M.resolve(opts)
  vim.validate('opts', opts, 'table', true)
  local o = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  vim.validate('cmd', o.cmd, function(v)
    return vim.islist(v) and #v > 0
  end, 'non-empty list of strings')
  vim.validate('filetypes', o.filetypes, 'table', true)
  vim.validate('settings', o.settings, 'table')
  vim.validate('display', o.display, function(v)
    return v == 'auto' or v == 'native' or v == 'ghost'
  end, "'auto', 'native' or 'ghost'")
  vim.validate('keymaps', o.keymaps, 'table')
  for name in pairs(o.keymaps) do
    if M.defaults.keymaps[name] == nil then
      error(
        ('keymaps.%s: unknown key (known: %s)'):format(
          name,
          table.concat(vim.tbl_keys(M.defaults.keymaps), ', ')
        )
      )
    end
    vim.validate('keymaps.' .. name, o.keymaps[name], is_key, 'a key such as "<Tab>", or false')
  end
  vim.validate('lsp', o.lsp, 'table')
  vim.validate('enabled', o.enabled, 'boolean')
  if o.display == 'native' and not M.has_native() then
    error("display = 'native' needs Neovim >= 0.12 (vim.lsp.inline_completion)")
  end
  return o
end

--- Neovim draws inline completion itself from 0.12 on.
function M.has_native()
  return vim.lsp.inline_completion ~= nil
end

---@param o qwen_lsp.Options
---@return 'native'|'ghost'
function M.display(o)
  if o.display == 'auto' then
    return M.has_native() and 'native' or 'ghost'
  end
  return o.display
end

--- The `vim.lsp.config` table for the server.
---@param o qwen_lsp.Options
---@param handlers table<string, function>
function M.lsp_config(o, handlers)
  local settings = vim.deepcopy(o.settings)
  if not o.enabled then
    settings.enable = false -- the server then reports "disabled" instead of working for nothing
  end
  local base = {
    cmd = o.cmd,
    filetypes = o.filetypes,
    root_markers = { '.git' },
    init_options = settings,
    settings = { qwenLsp = settings },
    handlers = handlers,
    -- Announcing inline completion makes the server skip its completion-list fallback.
    capabilities = { textDocument = { inlineCompletion = { dynamicRegistration = false } } },
  }
  return vim.tbl_deep_extend('force', base, o.lsp)
end

return M
