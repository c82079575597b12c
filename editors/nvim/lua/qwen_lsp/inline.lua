--- Inline completion for Neovim 0.11, which has none built in: request on every edit or cursor
--- move in insert mode (cancelling the previous request; the server debounces), draw the answer
--- as ghost text, keep it while the user types along it, accept it whole or in pieces, and ask
--- again right after a full accept. Hidden while a completion menu is open.
local edit = require('qwen_lsp.edit')
local feedback = require('qwen_lsp.feedback')
local ghost = require('qwen_lsp.ghost')
local popup = require('qwen_lsp.popup')
local suggestion = require('qwen_lsp.suggestion')

local M = {}
local api = vim.api
local METHOD = 'textDocument/inlineCompletion'
local AUTOMATIC, INVOKED = 2, 1 -- lsp.InlineCompletionTriggerKind

---@class qwen_lsp.BufferState
---@field client_id integer
---@field items qwen_lsp.Suggestion[]
---@field index integer
---@field key? string buffer tick and cursor the suggestion was made for
---@field pending? integer id of the request in flight

---@type table<integer, qwen_lsp.BufferState>
local states = {}
local enabled = true
local group = api.nvim_create_augroup('qwen_lsp.inline', { clear = true })

local function cursor()
  local pos = api.nvim_win_get_cursor(0)
  return { pos[1] - 1, pos[2] }
end

local function key_of(bufnr)
  local pos = cursor()
  return ('%d:%d:%d'):format(api.nvim_buf_get_changedtick(bufnr), pos[1], pos[2])
end

local function current(state)
  return state and state.items[state.index]
end

local function cancel(state)
  local client = vim.lsp.get_client_by_id(state.client_id)
  if state.pending and client then
    client:cancel_request(state.pending)
  end
  state.pending = nil
end

local function clear(bufnr)
  local state = states[bufnr]
  if state then
    cancel(state)
    state.items, state.index = {}, 1
  end
  ghost.hide(bufnr)
end

local function show(bufnr, state)
  local s = current(state)
  if not s or popup.visible() then
    ghost.hide(bufnr)
    return
  end
  local several = #state.items > 1
  ghost.show(bufnr, s, several and ('(%d/%d)'):format(state.index, #state.items) or nil)
  if not s.shown then
    s.shown = true -- kept while typing along it: one suggestion, reported once
    feedback.shown(s.client_id, s.item)
  end
end

local function on_result(bufnr, state, id, key, result)
  if state.pending ~= id then
    return -- superseded
  end
  state.pending = nil
  local client = vim.lsp.get_client_by_id(state.client_id)
  if not result or not client or not enabled or api.nvim_get_current_buf() ~= bufnr then
    return
  end
  if key ~= key_of(bufnr) then
    return
  end
  if not vim.startswith(api.nvim_get_mode().mode, 'i') then
    return
  end
  local function get_line(row)
    return api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
  end
  local items = {}
  for _, raw in ipairs(result.items or result) do
    items[#items + 1] =
      suggestion.from_lsp(raw, get_line, client.offset_encoding, cursor(), client.id)
  end
  state.items, state.index = items, 1
  show(bufnr, state)
end

local function request(bufnr, kind)
  local state = states[bufnr]
  local client = state and vim.lsp.get_client_by_id(state.client_id)
  if not client or not enabled or api.nvim_get_current_buf() ~= bufnr then
    return
  end
  cancel(state)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = kind }
  local key = key_of(bufnr)
  local id
  local ok, request_id = client:request(METHOD, params, function(err, result)
    if not err then
      on_result(bufnr, state, id, key, result)
    elseif state.pending == id then
      state.pending = nil
    end
  end, bufnr)
  id = ok and request_id or nil
  state.pending = id
end

--- What the user typed since the suggestion was shown, if it ran along the suggestion.
local function typed_through(bufnr, s)
  local pos = cursor()
  if pos[1] < s.start_row or (pos[1] == s.start_row and pos[2] < s.start_col) then
    return nil
  end
  local ok, typed =
    pcall(api.nvim_buf_get_text, bufnr, s.start_row, s.start_col, pos[1], pos[2], {})
  if not ok then
    return nil
  end
  local kept = suggestion.advance(s, table.concat(typed, '\n'), pos[1], pos[2])
  local line = api.nvim_buf_get_lines(bufnr, pos[1], pos[1] + 1, false)[1] or ''
  return kept and suggestion.cover_closers(kept, line:sub(pos[2] + 1))
end

local function on_change(bufnr)
  local state = states[bufnr]
  local key = key_of(bufnr)
  if not state or not enabled or state.key == key then
    return -- the cursor move that follows an edit, already handled
  end
  state.key = key
  -- Keep every suggestion the typing agrees with, the one shown first if it is among them.
  local kept, index = {}, 1
  for i, s in ipairs(state.items) do
    local moved = typed_through(bufnr, s)
    if moved then
      kept[#kept + 1] = moved
      index = i == state.index and #kept or index
    end
  end
  if #kept > 0 then
    state.items, state.index = kept, index
    show(bufnr, state)
    return
  end
  clear(bufnr)
  request(bufnr, AUTOMATIC)
end

--- Insert the suggestion, or its next word or line, exactly over the item's range, as its own
--- undo step.
local function accept(bufnr, state, kind)
  local s = current(state)
  local piece = kind == 'all' and s.text or suggestion.piece(s.text, kind)
  local whole = piece == s.text
  local end_row, end_col = s.start_row, s.start_col
  if whole then
    end_row, end_col = s.end_row, s.end_col
  end
  local row, col = edit.insert(bufnr, s.start_row, s.start_col, end_row, end_col, piece)
  state.key = key_of(bufnr)
  if not whole then
    feedback.partially_accepted(s.client_id, s.item, piece)
    state.items, state.index = { suggestion.advance(s, piece, row, col) }, 1
    show(bufnr, state)
    return
  end
  clear(bufnr)
  local client = vim.lsp.get_client_by_id(s.client_id)
  if s.command and client then
    client:exec_cmd(s.command, { bufnr = bufnr })
  end
  -- As VS Code does: the next suggestion, at the new cursor, without waiting for a keystroke (a
  -- server still streaming the accepted one can answer it at once).
  request(bufnr, AUTOMATIC)
end

local actions = {
  accept = function(bufnr, state)
    accept(bufnr, state, 'all')
  end,
  accept_word = function(bufnr, state)
    accept(bufnr, state, 'word')
  end,
  accept_line = function(bufnr, state)
    accept(bufnr, state, 'line')
  end,
  dismiss = function(bufnr)
    clear(bufnr)
  end,
  next = function(bufnr, state)
    state.index = state.index % #state.items + 1
    show(bufnr, state)
  end,
  prev = function(bufnr, state)
    state.index = (state.index - 2) % #state.items + 1
    show(bufnr, state)
  end,
  suggest = function(bufnr, state)
    clear(bufnr)
    state.key = key_of(bufnr) -- a cursor event still queued for this position must not ask again
    request(bufnr, INVOKED)
  end,
}

--- The keys a mapping returns for `action`, or nil to let the key do what it normally does.
---@param action string
---@return string|nil
function M.keys(action)
  local bufnr = api.nvim_get_current_buf()
  local state = states[bufnr]
  local wants_suggestion = action ~= 'suggest'
  if not state or not enabled or (wants_suggestion and (popup.visible() or not current(state))) then
    return nil
  end
  return ('<Cmd>lua require("qwen_lsp.inline").run(%q)<CR>'):format(action)
end

---@param action string
function M.run(action)
  local bufnr = api.nvim_get_current_buf()
  local state = states[bufnr]
  if state and (action == 'suggest' or current(state)) then
    actions[action](bufnr, state)
  end
end

--- Redraw after a completion menu opened or closed: hide under it, show again (or ask again,
--- if the menu inserted something) when it is gone.
local function on_menu()
  local bufnr = api.nvim_get_current_buf()
  local state = states[bufnr]
  if not state or not enabled or not vim.startswith(api.nvim_get_mode().mode, 'i') then
    return
  end
  if state.key == key_of(bufnr) then
    show(bufnr, state)
  else
    on_change(bufnr)
  end
end

popup.watch(on_menu)

--- Whether a request is in flight for `bufnr` (nil when the buffer is not attached).
function M._pending(bufnr)
  local state = states[bufnr == 0 and api.nvim_get_current_buf() or bufnr]
  return state and state.pending ~= nil
end

--- The suggestion shown in `bufnr`, if any.
---@return qwen_lsp.Suggestion|nil
function M.current(bufnr)
  return current(states[bufnr or api.nvim_get_current_buf()])
end

---@param client vim.lsp.Client
---@param bufnr integer
function M.attach(client, bufnr)
  if states[bufnr] then
    return
  end
  states[bufnr] = { client_id = client.id, items = {}, index = 1 }
  api.nvim_create_autocmd({ 'TextChangedI', 'CursorMovedI' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      on_change(bufnr)
    end,
  })
  api.nvim_create_autocmd({ 'InsertLeave', 'BufLeave' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      clear(bufnr)
      states[bufnr].key = nil
    end,
  })
end

---@param bufnr integer
function M.detach(bufnr)
  clear(bufnr)
  states[bufnr] = nil
  api.nvim_clear_autocmds({ group = group, buffer = bufnr })
end

---@param on boolean
function M.set_enabled(on)
  enabled = on
  if not on then
    for bufnr in pairs(states) do
      clear(bufnr)
    end
  end
end

return M
