--- Inline completion on Neovim >= 0.12: `vim.lsp.inline_completion` requests, debounces and draws
--- (and asks again after an accept, as the cursor moves); this module enables it for our client
--- only, maps our actions onto its API so that a key with nothing to act on falls through, and
--- reports what was shown and taken.
local edit = require('qwen_lsp.edit')
local feedback = require('qwen_lsp.feedback')
local popup = require('qwen_lsp.popup')
local suggestion = require('qwen_lsp.suggestion')

local M = {}
local api = vim.api
local ic = vim.lsp.inline_completion
local enabled = true
local attached = {} ---@type table<integer, integer> bufnr → our client's id
local seen = {} ---@type table<integer, boolean> buffers whose item was visible at the last redraw
local ours = api.nvim_create_namespace('qwen_lsp.native')

--- Whether Neovim shows an inline completion item in `bufnr`. Its API has no query for this
--- (`get()` accepts, `select()` returns nothing), so look for the item's extmark.
---@param bufnr integer
local function visible(bufnr)
  local ns = api.nvim_get_namespaces()['nvim.lsp.inline_completion']
  return ns ~= nil and #api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { limit = 1 }) > 0
end

---@param item vim.lsp.inline_completion.Item
local function item_text(item)
  local text = item.insert_text
  return type(text) == 'string' and text or text.value
end

---@param item vim.lsp.inline_completion.Item
local function lsp_item(item)
  return { insertText = item.insert_text, command = item.command }
end

--- Insert the next word or line of a native item and leave the rest to the next request.
---@param kind 'word'|'line'
local function partial(kind)
  return function(item)
    local text = item_text(item)
    local pos = api.nvim_win_get_cursor(0)
    local row, col = pos[1] - 1, pos[2]
    local start = item.range and item.range.start
    if start and start.row == row and start.col <= col then
      -- Neovim keeps showing an item while the user types into it: skip what is typed.
      local typed = api.nvim_get_current_line():sub(start.col + 1, col)
      if vim.startswith(text, typed) then
        text = text:sub(#typed + 1)
      end
    end
    local piece = suggestion.piece(text, kind)
    edit.insert(0, row, col, row, col, piece)
    feedback.partially_accepted(item.client_id, lsp_item(item), piece)
  end
end

---@param count integer
local function cycle(count)
  local bufnr = api.nvim_get_current_buf()
  ic.select({ bufnr = bufnr, count = count }) -- Neovim adds the "(i/n)" hint
  feedback.shown(attached[bufnr], {})
  return true
end

--- Each action returns whether it acted; a key that did not act does what it did before.
local actions = {
  accept = function()
    edit.break_undo() -- Neovim inserts the item later, as a change of its own
    return ic.get()
  end,
  accept_word = function()
    return ic.get({ on_accept = partial('word') })
  end,
  accept_line = function()
    return ic.get({ on_accept = partial('line') })
  end,
  next = function()
    return cycle(1)
  end,
  prev = function()
    return cycle(-1)
  end,
  dismiss = function()
    return ic.get({ on_accept = function() end }) -- taken, and nothing inserted
  end,
  suggest = function()
    return false -- no public way to ask now: Neovim asks on its own; the key keeps its meaning
  end,
}

---@param action string
---@return string|nil
function M.keys(action)
  local bufnr = api.nvim_get_current_buf()
  if not enabled or not attached[bufnr] or popup.visible() or not visible(bufnr) then
    return nil
  end
  return actions[action]() and '' or nil
end

function M.run(action)
  M.keys(action)
end

function M.current()
  return nil -- Neovim keeps the shown item private
end

--- Tell the server when an item becomes visible: Neovim draws it without an event, so watch its
--- redraws.
api.nvim_set_decoration_provider(ours, {
  on_win = function(_, _, bufnr)
    local client_id = attached[bufnr]
    if client_id then
      local now = visible(bufnr)
      if now and not seen[bufnr] then
        vim.schedule(function()
          feedback.shown(client_id, {})
        end)
      end
      seen[bufnr] = now
    end
    return false
  end,
})

popup.watch(function()
  local bufnr = api.nvim_get_current_buf()
  if attached[bufnr] and popup.visible() and visible(bufnr) then
    actions.dismiss()
  end
end)

--- Enable inline completion for our client only: the filter's `client_id` leaves other clients'
--- inline completion in the same buffers as the user set it (`bufnr` would turn on every
--- client's, and 0.12 takes one of the two, not both). Called on every attach, so buffers the
--- client attaches to later are covered too.
---@param client vim.lsp.Client
---@param bufnr integer
function M.attach(client, bufnr)
  attached[bufnr] = client.id
  ic.enable(enabled, { client_id = client.id })
end

function M.detach(bufnr)
  attached[bufnr] = nil
  seen[bufnr] = nil
end

---@param on boolean
function M.set_enabled(on)
  enabled = on
  local done = {}
  for _, client_id in pairs(attached) do
    if not done[client_id] then
      done[client_id] = true
      ic.enable(on, { client_id = client_id })
    end
  end
end

return M
