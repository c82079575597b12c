--- Insert-mode keys for the display's actions. A key does its action when there is something
--- to act on, and otherwise what it did before (the mapping it replaced, or its built-in meaning:
--- Tab still indents).
local M = {}

local DESC = 'qwen-lsp: '
local mapped = {} ---@type string[]

--- What the key did before we mapped it, as keys for an expression mapping to return.
---@param lhs string
---@return fun(): string
local function fallback(lhs)
  local previous = vim.fn.maparg(lhs, 'i', false, true)
  local ours = previous.desc and vim.startswith(previous.desc, DESC)
  if vim.tbl_isempty(previous) or ours then
    return function()
      return vim.keycode(lhs)
    end
  end
  return function()
    local keys = previous.rhs or ''
    if previous.callback then
      keys = previous.callback() or ''
    elseif previous.expr == 1 then
      keys = vim.api.nvim_eval(keys)
    end
    if previous.expr ~= 1 or previous.replace_keycodes == 1 then
      keys = vim.keycode(keys)
    end
    if previous.noremap ~= 1 then
      vim.api.nvim_feedkeys(keys, 'm', false) -- the old mapping's keys may themselves be mapped
      return ''
    end
    return keys
  end
end

--- Map the keys in `keymaps` (action → lhs) to `display`'s actions, replacing earlier ones.
---@param keymaps qwen_lsp.Keymaps
---@param display { keys: fun(action: string): string|nil }
function M.set(keymaps, display)
  for _, lhs in ipairs(mapped) do
    pcall(vim.keymap.del, 'i', lhs)
  end
  mapped = {}
  for action, lhs in pairs(keymaps) do
    if lhs then
      local otherwise = fallback(lhs)
      vim.keymap.set('i', lhs, function()
        local keys = display.keys(action)
        return keys and vim.keycode(keys) or otherwise()
      end, { expr = true, replace_keycodes = false, desc = DESC .. action })
      mapped[#mapped + 1] = lhs
    end
  end
end

return M
