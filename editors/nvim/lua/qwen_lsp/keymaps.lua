--- Insert-mode keys for the display's actions. A key does its action when there is something
--- to act on, and otherwise what it did before (the mapping it replaced, or its built-in meaning:
--- Tab still indents). What a key did before is recorded the first time it is mapped, so calling
--- setup() again keeps the user's own mapping behind it.
local M = {}

local DESC = 'qwen-lsp: '
local mapped = {} ---@type string[]
local before = {} ---@type table<string, table> maparg() of each key before it was first mapped

local function ours(map)
  return map.desc ~= nil and vim.startswith(map.desc, DESC)
end

--- What the key did before we mapped it, as keys for an expression mapping to return.
---@param lhs string
---@param previous table maparg() of the replaced mapping, empty if none
---@return fun(): string
local function fallback(lhs, previous)
  if vim.tbl_isempty(previous) then
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

--- Put back what a key did before we mapped it.
---@param lhs string
local function restore(lhs)
  local current = vim.fn.maparg(lhs, 'i', false, true)
  if vim.tbl_isempty(current) or not ours(current) then
    return -- the user mapped it again since
  end
  if vim.tbl_isempty(before[lhs]) then
    pcall(vim.keymap.del, 'i', lhs)
  else
    vim.fn.mapset('i', false, before[lhs])
  end
end

--- Map the keys in `keymaps` (action → lhs) to `display`'s actions, replacing earlier ones.
---@param keymaps qwen_lsp.Keymaps
---@param display { keys: fun(action: string): string|nil }
function M.set(keymaps, display)
  local wanted = {}
  for _, lhs in pairs(keymaps) do
    if lhs then
      wanted[vim.keycode(lhs)] = true
    end
  end
  for _, lhs in ipairs(mapped) do
    if not wanted[vim.keycode(lhs)] then
      restore(lhs)
    end
  end
  mapped = {}
  for action, lhs in pairs(keymaps) do
    if lhs then
      local current = vim.fn.maparg(lhs, 'i', false, true)
      if not ours(current) then
        before[lhs] = current -- a key mapped for the first time, or mapped again by the user
      end
      local otherwise = fallback(lhs, before[lhs] or {})
      vim.keymap.set('i', lhs, function()
        local keys = display.keys(action)
        return keys and vim.keycode(keys) or otherwise()
      end, { expr = true, replace_keycodes = false, desc = DESC .. action })
      mapped[#mapped + 1] = lhs
    end
  end
end

return M
