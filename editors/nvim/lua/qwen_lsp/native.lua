--- Inline completion on Neovim >= 0.12: `vim.lsp.inline_completion` requests, debounces and draws;
--- this module only enables it for our client and maps our actions onto its API.
local suggestion = require('qwen_lsp.suggestion')

local M = {}
local ic = vim.lsp.inline_completion
local enabled = true
local attached = {} ---@type table<integer, boolean>

--- Insert the next word or line of a native item and leave the rest to the next request.
---@param kind 'word'|'line'
local function partial(kind)
  return function(item)
    local text = type(item.insert_text) == 'string' and item.insert_text or item.insert_text.value
    local pos = vim.api.nvim_win_get_cursor(0)
    local row, col = pos[1] - 1, pos[2]
    local start = item.range and item.range.start
    if start and start.row == row and start.col <= col then
      -- Neovim keeps showing an item while the user types into it: skip what is typed.
      local typed = vim.api.nvim_get_current_line():sub(start.col + 1, col)
      if vim.startswith(text, typed) then
        text = text:sub(#typed + 1)
      end
    end
    local lines, end_row, end_col = suggestion.placement(suggestion.piece(text, kind), row, col)
    vim.api.nvim_buf_set_text(0, row, col, row, col, lines)
    vim.api.nvim_win_set_cursor(0, { end_row + 1, end_col })
  end
end

local actions = {
  accept = function()
    return ic.get()
  end,
  accept_word = function()
    return ic.get({ on_accept = partial('word') })
  end,
  accept_line = function()
    return ic.get({ on_accept = partial('line') })
  end,
  next = function()
    ic.select({ count = 1 })
    return true
  end,
  prev = function()
    ic.select({ count = -1 })
    return true
  end,
  suggest = function()
    return false -- Neovim requests on its own; the key keeps its meaning
  end,
  dismiss = function()
    return false -- no public way to drop the shown item; the key keeps its meaning
  end,
}

---@param action string
---@return string|nil
function M.keys(action)
  if enabled and attached[vim.api.nvim_get_current_buf()] and actions[action]() then
    return ''
  end
  return nil
end

function M.run(action)
  M.keys(action)
end

function M.current()
  return nil -- Neovim keeps the shown item private
end

---@param client vim.lsp.Client
---@param bufnr integer
function M.attach(client, bufnr)
  attached[bufnr] = true
  ic.enable(enabled, { bufnr = bufnr })
end

function M.detach(bufnr)
  attached[bufnr] = nil
end

---@param on boolean
function M.set_enabled(on)
  enabled = on
  for bufnr in pairs(attached) do
    if vim.api.nvim_buf_is_valid(bufnr) then
      ic.enable(on, { bufnr = bufnr })
    end
  end
end

return M
